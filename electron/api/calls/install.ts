import { z } from 'zod';
import { LockHolder, PreflightReportSchema, RunReport } from '../../engine/install/schema.js';
import { call } from './define.js';

const dir = z.string().min(1).max(4096).describe('the site folder');
// The site passphrase as typed (input only); absent when the site is unlocked in this window's session.
const passphrase = z.string().min(1).max(1024).optional();
/** The bundle to install; absent = the one remembered in site.yaml. */
const bundle = z.string().min(1).max(4096).optional();

/**
 * Installing a site: the plan to review (a dry run: connect, preflight, probes, never a change),
 * the run itself (a task with step, progress and log events; resumable), and where the site stands.
 */
export const installCalls = {
  'install.plan': call({
    summary: 'Preview the install: preflight on every host, then every step with what it would change (nothing is changed).',
    input: z.object({ dir, bundle, passphrase }).strict(),
    output: z.object({ preflight: PreflightReportSchema, plan: RunReport.optional() }),
  }),
  'install.run': call({
    summary: 'Install (or resume) the site from its verified bundle: preflight, then every step not yet done. Cancel leaves the journal consistent.',
    input: z.object({ dir, bundle, passphrase }).strict(),
    output: z.object({ preflight: PreflightReportSchema, run: RunReport.optional() }),
  }),
  'install.status': call({
    summary: 'Where the site install stands: the last run from the journal and who holds the install lock. Needs no passphrase.',
    input: z.object({ dir }).strict(),
    output: z.object({
      lastRun: z
        .object({ runId: z.string(), dryRun: z.boolean(), state: z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted']), startedAt: z.string(), durationMs: z.number().optional(), summary: z.string().optional(), changed: z.record(z.string(), z.array(z.string())).optional() })
        .nullable(),
      lock: LockHolder.nullable(),
    }),
  }),
};
