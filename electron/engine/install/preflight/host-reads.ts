import { isApplianceError } from '../../errors.js';
import { parseProcNet, parseSs } from '../../hardware/listening-ports.js';
import { redactText } from '../../redact.js';
import type { ListeningPort } from '../../hardware/schema.js';
import type { Target } from '../../targets/index.js';
import type { z } from 'zod';
import { parseDfAvail, parseDuBytes } from './disk-check.js';
import { parseDockerPublishedPorts } from './ports-check.js';
import { preflightCheck, type PreflightCheck } from './schema.js';

/**
 * The preflight's reads on a host. Every command here is read-only (argv arrays, no shell):
 * the preflight must leave the host exactly as it found it.
 */

type Exec = Pick<Target, 'exec'>;
const T = { timeoutMs: 20_000 };

/** Connection lost or the run cancelled: not a fact about the host, the caller handles it. */
export function isFatal(e: unknown): boolean {
  return isApplianceError(e) && (e.code === 'UNREACHABLE' || e.code === 'CANCELLED');
}

/** An error's message for a report line (redacted: the report reaches the renderer and the journal). */
function reason(e: unknown): string {
  return redactText(e instanceof Error ? e.message : String(e));
}

/** sudo works: `true` as root through the target (passwordless, or with the site's stored password). */
export async function sudoCheck(t: Exec & { sudoMode?: () => Promise<string> }, signal?: AbortSignal): Promise<PreflightCheck> {
  const title = 'sudo works';
  try {
    await t.exec(['true'], { sudo: true, signal, ...T });
    const mode = t.sudoMode ? await t.sudoMode().catch(() => null) : null;
    const how = mode === 'root' ? 'logged in as root' : mode === 'nopasswd' ? 'sudo without a password' : mode === 'password' ? 'sudo with the stored password' : 'sudo true succeeded';
    return preflightCheck('sudo', title, 'pass', how);
  } catch (e) {
    if (isFatal(e)) throw e;
    const perm = isApplianceError(e) && e.code === 'PERMISSION';
    return preflightCheck('sudo', title, 'fail', reason(e), perm ? undefined : 'Check that sudo is installed and the login user may use it.');
  }
}

/**
 * Listening sockets with their processes: `ss -tulnp` as root (process names of other users'
 * sockets need root), else unprivileged, else /proc/net/tcp{,6} (no process names).
 */
export async function readListeners(t: Exec, sudo: boolean, signal?: AbortSignal): Promise<{ listeners: z.infer<typeof ListeningPort>[] | null; processNames: boolean }> {
  for (const asRoot of sudo ? [true, false] : [false]) {
    try {
      const r = await t.exec(['ss', '-tulnp'], { sudo: asRoot, signal, allowFailure: true, ...T });
      if (r.exitCode === 0) return { listeners: parseSs(r.stdout.split('\n')), processNames: asRoot };
    } catch (e) {
      if (isFatal(e)) throw e;
    }
  }
  try {
    const v4 = await t.exec(['cat', '/proc/net/tcp'], { signal, ...T });
    const v6 = await t.exec(['cat', '/proc/net/tcp6'], { signal, allowFailure: true, ...T });
    return { listeners: [...parseProcNet(v4.stdout.split('\n'), 'tcp', false), ...parseProcNet(v6.stdout.split('\n'), 'tcp', true)], processNames: false };
  } catch (e) {
    if (isFatal(e)) throw e;
    return { listeners: null, processNames: false };
  }
}

/** Host ports published by running containers of Compose project `stack`; empty without Docker. */
export async function readOwnPorts(t: Exec, stack: string, sudo: boolean, signal?: AbortSignal): Promise<Set<number>> {
  try {
    const argv = ['docker', 'ps', '--filter', `label=com.docker.compose.project=${stack}`, '--filter', 'status=running', '--format', '{{.Ports}}'];
    const r = await t.exec(argv, { sudo, signal, allowFailure: true, ...T });
    return r.exitCode === 0 ? parseDockerPublishedPorts(r.stdout) : new Set();
  } catch (e) {
    if (isFatal(e)) throw e;
    return new Set();
  }
}

/** Free bytes of the filesystem holding dataDir (it must exist). */
export async function readDataFs(t: Exec, dataDir: string, signal?: AbortSignal): Promise<{ df: { availBytes: number; mount: string } | null; error?: string }> {
  try {
    const r = await t.exec(['df', '-B1', '--output=avail,target', '--', dataDir], { signal, allowFailure: true, ...T });
    const df = r.exitCode === 0 ? parseDfAvail(r.stdout) : null;
    if (df) return { df };
    return { df: null, error: redactText(r.stderr.trim().split('\n').pop() || `df exited ${r.exitCode}`) };
  } catch (e) {
    if (isFatal(e)) throw e;
    return { df: null, error: reason(e) };
  }
}

/** Bytes already in the staging folder (root-owned, so read through sudo when it works); 0 when absent. */
export async function readStagedBytes(t: Exec, stagingDir: string, sudo: boolean, signal?: AbortSignal): Promise<number> {
  try {
    const r = await t.exec(['du', '-sb', '--', stagingDir], { sudo, signal, allowFailure: true, ...T });
    return r.exitCode === 0 ? parseDuBytes(r.stdout) : 0;
  } catch (e) {
    if (isFatal(e)) throw e;
    return 0;
  }
}


/** The running Docker daemon's version (`docker version` answers only when the daemon does); null without one. */
export async function readDockerVersion(t: Exec, sudo: boolean, signal?: AbortSignal): Promise<string | null> {
  try {
    const r = await t.exec(['docker', 'version', '--format', '{{.Server.Version}}'], { sudo, signal, allowFailure: true, ...T });
    const v = r.stdout.trim();
    return r.exitCode === 0 && /^\d+\.\d+/.test(v) ? v : null;
  } catch (e) {
    if (isFatal(e)) throw e;
    return null;
  }
}
