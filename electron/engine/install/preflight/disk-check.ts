import { fmtBytes } from '../../sizing/check.js';
import { preflightCheck, type PreflightCheck } from './schema.js';

/** Room needed per byte still to send: the staged copy plus what `docker load` unpacks from it. */
export const SPACE_FACTOR = 2;

/** `df -B1 --output=avail,target DIR`: the second line is "<avail bytes> <mount point>". */
export function parseDfAvail(text: string): { availBytes: number; mount: string } | null {
  const line = text.trim().split('\n')[1]?.trim();
  const m = line?.match(/^(\d+)\s+(\/.*)$/);
  return m ? { availBytes: Number(m[1]), mount: m[2]! } : null;
}

/** `du -sb DIR`: "<bytes>\t<dir>"; 0 when the folder is not there yet (nothing staged). */
export function parseDuBytes(text: string): number {
  const m = text.trim().match(/^(\d+)\s/);
  return m ? Number(m[1]) : 0;
}

export interface DiskInput {
  dataDir: string;
  /** df of dataDir; null when it failed (the folder is missing), with the reason. */
  df: { availBytes: number; mount: string } | null;
  dfError?: string;
  /** Bytes of the bundle this host receives. */
  shareBytes: number;
  /** Bytes already in the staging folder (an earlier, interrupted run). */
  stagedBytes: number;
}

const sz = (n: number) => `${fmtBytes(n, 'decimal')} (${n} bytes)`;

/**
 * Free space on the data filesystem >= 2 x what is still to be sent. Kept simple: bytes already
 * in the staging folder count as done (the stage step resumes them), up to the share; images
 * already loaded into Docker are not subtracted, so a re-run after staging was cleaned asks for
 * the full room again (the safe side).
 */
export function diskCheck(d: DiskInput): PreflightCheck {
  const title = `Free space on the data filesystem (${d.dataDir})`;
  if (!d.df) {
    return preflightCheck('disk', title, 'fail', `${d.dataDir} cannot be read: ${d.dfError ?? 'df failed'}`, `Create and mount the data filesystem at ${d.dataDir} (site.yaml install.dataDir), then run the install again.`);
  }
  const staged = Math.min(d.stagedBytes, d.shareBytes);
  const need = SPACE_FACTOR * (d.shareBytes - staged);
  const how = `${SPACE_FACTOR} × ${staged ? `(bundle share ${sz(d.shareBytes)} − ${sz(staged)} already staged)` : `bundle share ${sz(d.shareBytes)}`} = ${sz(need)}`;
  const have = `${sz(d.df.availBytes)} available on ${d.df.mount}`;
  if (d.df.availBytes >= need) return preflightCheck('disk', title, 'pass', `${have}; needs ${how}`);
  return preflightCheck('disk', title, 'fail', `${have}; needs ${how}: ${sz(need - d.df.availBytes)} short`, `Free ${fmtBytes(need - d.df.availBytes, 'decimal')} on ${d.df.mount} or give ${d.dataDir} a larger filesystem.`);
}
