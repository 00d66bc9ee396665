import { z } from 'zod';

/** pass = meets the recommendation; info = fact worth showing; warn = below recommended / unknown; fail = below minimum. */
export const CheckStatus = z.enum(['pass', 'info', 'warn', 'fail']);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** One requirement judged on one host (or on the cluster). Strings are ready to show. */
export const SizingCheck = z.object({
  /** Stable id, e.g. "memory", "osDisk.kind", "cluster.skew". */
  id: z.string(),
  title: z.string(),
  status: CheckStatus,
  measured: z.string(),
  required: z.string(),
  /** One line telling the engineer what to do; null when nothing is needed. */
  remediation: z.string().nullable(),
});
export type SizingCheck = z.infer<typeof SizingCheck>;

const RANK: Record<CheckStatus, number> = { pass: 0, info: 0, warn: 1, fail: 2 };

/** The worst status of a list (info counts as pass); pass for an empty list. */
export function worst(statuses: Iterable<CheckStatus>): 'pass' | 'warn' | 'fail' {
  let r = 0;
  for (const s of statuses) r = Math.max(r, RANK[s]);
  return r === 2 ? 'fail' : r === 1 ? 'warn' : 'pass';
}

export function check(id: string, title: string, status: CheckStatus, measured: string, required: string, remediation: string | null = null): SizingCheck {
  return { id, title, status, measured, required, remediation: status === 'pass' || status === 'info' ? null : remediation };
}

/** Bytes for humans, in the unit family the requirement uses (binary for memory, decimal for disks). */
export function fmtBytes(n: number | null | undefined, family: 'binary' | 'decimal'): string {
  if (n === null || n === undefined) return 'unknown';
  const [base, units] = family === 'binary' ? [1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']] : [1000, ['B', 'KB', 'MB', 'GB', 'TB']];
  let v = n;
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const digits = i === 0 || v >= 100 || Number.isInteger(v) ? 0 : 1;
  return `${v.toFixed(digits)} ${units[i]}`;
}
