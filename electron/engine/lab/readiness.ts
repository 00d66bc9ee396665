import net from 'node:net';
import { execInNode, type NodeRef } from './node-exec.js';
import { sleep } from './processes.js';
import { tryRun } from './run.js';

/** True if something on address:port answers with an SSH identification line within `timeoutMs`. */
export function sshBanner(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\n')) done(buf.startsWith('SSH-'));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(buf.startsWith('SSH-')));
  });
}

/** Polls until `probe` succeeds or `timeoutMs` passes. */
export async function until(probe: () => Promise<boolean>, timeoutMs: number, intervalMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) return false;
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** A real login with the OpenSSH client, the lab key and strict host key checking: what users will do. */
export async function sshLogin(o: { address: string; keyPath: string; knownHostsPath: string; user: string }): Promise<{ ok: boolean; error: string }> {
  const r = await tryRun('ssh', [
    '-F', '/dev/null',
    '-i', o.keyPath,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${o.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=5',
    `${o.user}@${o.address}`,
    'true',
  ], { timeout: 15_000 });
  return { ok: r.exitCode === 0, error: r.stderr.trim() };
}

export interface SystemState {
  /** What `systemctl is-system-running` printed: running, degraded, starting, ... or "unknown". */
  state: string;
  failedUnits: string[];
}

/** The node's systemd state and failed units, asked inside the node (needs root). */
export async function systemState(node: NodeRef, opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<SystemState> {
  const r = await execInNode(node, ['systemctl', 'is-system-running', ...(opts.wait ? ['--wait'] : [])], { timeoutMs: opts.timeoutMs ?? 10_000 });
  const state = r.stdout.trim().split('\n').pop() || 'unknown';
  let failedUnits: string[] = [];
  if (state !== 'running') {
    const f = await execInNode(node, ['systemctl', 'list-units', '--failed', '--plain', '--no-legend', '--no-pager'], { timeoutMs: 10_000 });
    failedUnits = f.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
  }
  return { state, failedUnits };
}

/** dockerd inside the node answers `docker info`. */
export async function dockerAnswers(node: NodeRef): Promise<boolean> {
  const r = await execInNode(node, ['docker', 'info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
  return r.exitCode === 0 && r.stdout.trim().length > 0;
}
