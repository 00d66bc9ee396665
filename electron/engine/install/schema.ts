import { z } from 'zod';

/** Schemas of what the install engine reports (the API contract re-exports them). */

export const PhaseSchema = z.enum(['preflight', 'stage', 'install', 'configure', 'start', 'verify', 'harden']);
export const StepOutcomeSchema = z.enum(['ok', 'changed', 'failed', 'skipped', 'blocked', 'cancelled']);

export const StepReport = z.object({
  host: z.string(),
  id: z.string(),
  title: z.string(),
  phase: PhaseSchema,
  outcome: StepOutcomeSchema,
  /** Dry run: 'none' (already done) or 'apply' (would change). */
  action: z.enum(['none', 'apply']).optional(),
  /** The probe's one line (what is there, what would change), or why it was blocked. */
  reason: z.string(),
  /** Commands apply ran (or would run, in a dry run), redacted. */
  commands: z.array(z.string()).optional(),
  durationMs: z.number().nonnegative().optional(),
  error: z.string().optional(),
});

export const RunReport = z.object({
  runId: z.string(),
  dryRun: z.boolean(),
  state: z.enum(['done', 'failed', 'cancelled']),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  steps: z.array(StepReport),
  /** Per host: ids of steps that changed something (or would, in a dry run). */
  changed: z.record(z.string(), z.array(z.string())),
  rootCause: z.object({ host: z.string(), step: z.string(), error: z.string() }).optional(),
  /** One line: "no changes" / "changed 12 steps on node1" / "would change ...". */
  summary: z.string(),
});

/** Who holds the site's install lock (written in DIR/install.lock). */
export const LockHolder = z.object({
  lockId: z.string(),
  who: z.string(),
  pid: z.number().int(),
  operation: z.string(),
  started: z.string(),
  heartbeat: z.string(),
});

export type StepReport = z.infer<typeof StepReport>;
export type RunReport = z.infer<typeof RunReport>;
export type LockHolder = z.infer<typeof LockHolder>;

/** The preflight's findings (defined with the preflight). */
export { PreflightCheck, PreflightReport as PreflightReportSchema } from './preflight/schema.js';
export type { PreflightReport as PreflightReportData } from './preflight/schema.js';
