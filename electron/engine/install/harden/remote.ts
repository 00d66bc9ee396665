import { createHash } from 'node:crypto';
import { ApplianceError } from '../../errors.js';
import type { StepContext } from '../types.js';

/** Where the harden steps keep their evidence on a host (stamps of proven changes, backups). */
export const STATE_DIR = '/var/lib/airgap-appliance/harden';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A file's content, read as root unless `sudo` is false (read-only: probeExec); null when it does not exist. */
export async function readRemote(ctx: StepContext, path: string, sudo = true): Promise<string | null> {
  const r = await ctx.probeExec(['cat', '--', path], { sudo, allowFailure: true });
  if (r.exitCode === 0) return r.stdout;
  if (/No such file or directory/.test(r.stderr)) return null;
  throw new ApplianceError('FAILED', `Cannot read ${path} on ${ctx.host}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, { host: ctx.host, path });
}

/** Where a program is on root's PATH, or null (read-only). Root's: nft and sshd live in /usr/sbin, not on a user's PATH. */
export async function commandPath(ctx: StepContext, name: string): Promise<string | null> {
  const r = await ctx.probeExec(['sh', '-c', 'command -v "$1"', 'sh', name], { sudo: true, allowFailure: true });
  const path = r.stdout.trim();
  return r.exitCode === 0 && path.startsWith('/') ? path : null;
}

/** Writes a file as root after making its folder (writeFile needs the folder to exist). */
export async function writeRootFile(ctx: StepContext, path: string, content: string, mode = '0644'): Promise<void> {
  await ctx.exec(['mkdir', '-p', '--', path.slice(0, path.lastIndexOf('/')) || '/'], { sudo: true });
  await ctx.writeFile(path, content, { mode, owner: 'root:root' });
}

/** The last line of a command's output, for error messages. */
export function lastLine(text: string): string {
  return text.trim().split('\n').slice(-1)[0] ?? '';
}
