import { z } from 'zod';

/**
 * The preflight report: read-only checks on every host before the install changes anything.
 * It goes into the API contract as it is (the renderer shows it, the CLI prints it).
 */
export const PreflightStatus = z.enum(['pass', 'warn', 'fail']);
export type PreflightStatus = z.infer<typeof PreflightStatus>;

export const PreflightCheck = z.object({
  /** Stable id: bundle, hardware, os, sudo, ports, disk, clock, reachable. */
  id: z.string(),
  title: z.string(),
  status: PreflightStatus,
  /** What was found, with the values (sizes, ports, processes, offsets). */
  detail: z.string(),
  /** What to do about a warn or fail. */
  remediation: z.string().optional(),
});
export type PreflightCheck = z.infer<typeof PreflightCheck>;

export const PreflightHost = z.object({
  host: z.string(),
  checks: z.array(PreflightCheck),
});
export type PreflightHost = z.infer<typeof PreflightHost>;

export const PreflightReport = z.object({
  /** True when no check failed (warnings do not stop the install). */
  ok: z.boolean(),
  hosts: z.array(PreflightHost),
});
export type PreflightReport = z.infer<typeof PreflightReport>;

/** One check; the remediation is kept only for warn and fail. */
export function preflightCheck(id: string, title: string, status: PreflightStatus, detail: string, remediation?: string): PreflightCheck {
  return { id, title, status, detail, ...(status !== 'pass' && remediation ? { remediation } : {}) };
}
