import { stat, readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { isApplianceError, throwIfAborted } from '../errors.js';
import { readSecrets, type Site, type SiteHost } from '../site/index.js';
import { openTarget, siteAuditSink } from './open.js';
import type { SshTarget } from './ssh-target.js';
import type { AuditSink } from './target.js';

export interface CheckOutcome {
  ok: boolean;
  /** One human line: what was found, or what is wrong and what to do. */
  detail: string;
  code?: string;
}

export interface TargetTestResult {
  host: string;
  address: string;
  port: number;
  ok: boolean;
  reachable: CheckOutcome & { ms?: number };
  auth: CheckOutcome & { presentedHostKey?: string };
  sudo: CheckOutcome & { mode?: string };
  disk: CheckOutcome & { mounts: { mount: string; freeBytes: number; totalBytes: number }[]; neededBytes?: number };
}

const skipped = (why: string): CheckOutcome => ({ ok: false, detail: `not checked: ${why}` });

/**
 * `targets test`: for every host in parallel, TCP reachability, SSH auth (with the pinned host
 * key), sudo, and free space of / and /var (compared with the bundle size when the site names
 * a bundle). Never throws for a host's failure: each result says what failed.
 */
export async function testTargets(
  site: Site,
  passphrase: string,
  opts: { connectTimeoutMs?: number; hosts?: string[]; audit?: AuditSink; signal?: AbortSignal } = {},
): Promise<TargetTestResult[]> {
  const secrets = await readSecrets(site.dir, passphrase);
  const bundleBytes = site.config.bundle ? await pathSize(join(site.dir, '.'), site.config.bundle.path).catch(() => undefined) : undefined;
  const audit = opts.audit ?? siteAuditSink(site);
  const hosts = site.config.hosts.filter((h) => !opts.hosts || opts.hosts.includes(h.name));
  const results = await Promise.all(hosts.map((h) => testHost(h, secrets, site.dir, opts.connectTimeoutMs ?? 10_000, audit, bundleBytes, opts.signal)));
  // A cancelled test answers CANCELLED, not a list of hosts that merely look unreachable.
  throwIfAborted(opts.signal);
  return results;
}

async function testHost(
  host: SiteHost,
  secrets: Record<string, string>,
  siteDir: string,
  timeoutMs: number,
  audit: AuditSink,
  bundleBytes: number | undefined,
  signal: AbortSignal | undefined,
): Promise<TargetTestResult> {
  const r: TargetTestResult = {
    host: host.name,
    address: host.address,
    port: host.port,
    ok: false,
    reachable: skipped('-'),
    auth: skipped('not reachable'),
    sudo: skipped('not logged in'),
    disk: { ...skipped('not logged in'), mounts: [] },
  };
  r.reachable = await tcpProbe(host.address, host.port, timeoutMs, signal);
  if (!r.reachable.ok) return r;
  let target: SshTarget | undefined;
  try {
    target = await openTarget(host, secrets, { siteDir, audit, connectTimeoutMs: timeoutMs, ...(signal ? { signal } : {}) });
    r.auth = { ok: true, detail: `${host.user} logged in (${target.negotiated?.cipher ?? 'ssh'})`, presentedHostKey: target.presentedHostKey };
  } catch (e) {
    r.auth = failure(e);
    if (isApplianceError(e) && typeof e.details?.presented === 'string') r.auth.presentedHostKey = e.details.presented;
    return r;
  }
  try {
    try {
      const mode = await target.sudoMode();
      r.sudo = { ok: true, mode, detail: mode === 'root' ? 'logged in as root' : mode === 'nopasswd' ? 'sudo without password' : 'sudo with the stored password' };
    } catch (e) {
      r.sudo = failure(e);
    }
    try {
      const df = await target.exec(['df', '-Pk', '/', '/var']);
      const mounts = parseDf(df.stdout);
      const varMount = mounts[mounts.length - 1];
      const low = mounts.filter((m) => m.freeBytes < 1024 ** 3);
      const tooSmall = bundleBytes !== undefined && varMount && varMount.freeBytes < bundleBytes * 2;
      r.disk = {
        ok: low.length === 0 && !tooSmall,
        mounts,
        ...(bundleBytes !== undefined ? { neededBytes: bundleBytes * 2 } : {}),
        detail: tooSmall
          ? `only ${gib(varMount.freeBytes)} free on ${varMount.mount}; the bundle needs about ${gib(bundleBytes * 2)} (copy + unpacked)`
          : low.length
            ? `less than 1 GiB free on ${low.map((m) => m.mount).join(', ')}`
            : mounts.map((m) => `${m.mount} ${gib(m.freeBytes)} free`).join(', '),
      };
    } catch (e) {
      r.disk = { ...failure(e), mounts: [] };
    }
  } finally {
    await target.close();
  }
  r.ok = r.reachable.ok && r.auth.ok && r.sudo.ok && r.disk.ok;
  return r;
}

function failure(e: unknown): CheckOutcome {
  return isApplianceError(e) ? { ok: false, detail: e.message, code: e.code } : { ok: false, detail: e instanceof Error ? e.message : String(e), code: 'INTERNAL' };
}

/** A plain TCP connect: tells "no route / no sshd" apart from SSH problems. */
function tcpProbe(address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<CheckOutcome & { ms?: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    const onAbort = () => done({ ok: false, code: 'CANCELLED', detail: 'cancelled by the user' });
    const done = (o: CheckOutcome & { ms?: number }) => {
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(o);
    };
    if (signal?.aborted) return done({ ok: false, code: 'CANCELLED', detail: 'cancelled by the user' });
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.setTimeout(timeoutMs, () => done({ ok: false, code: 'UNREACHABLE', detail: `no TCP answer from ${address}:${port} within ${timeoutMs / 1000} s` }));
    sock.once('connect', () => done({ ok: true, ms: Math.round(performance.now() - started), detail: `port ${port} open` }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, code: 'UNREACHABLE', detail: `${address}:${port}: ${err.code === 'ECONNREFUSED' ? 'connection refused (is sshd running?)' : err.code === 'EHOSTUNREACH' ? 'no route to host' : err.message}` }));
  });
}

export function parseDf(text: string): { mount: string; freeBytes: number; totalBytes: number }[] {
  const seen = new Set<string>();
  const out: { mount: string; freeBytes: number; totalBytes: number }[] = [];
  for (const line of text.trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const mount = f[5];
    if (!mount || seen.has(mount)) continue;
    seen.add(mount);
    out.push({ mount, totalBytes: Number(f[1]) * 1024, freeBytes: Number(f[3]) * 1024 });
  }
  return out;
}

async function pathSize(base: string, p: string): Promise<number> {
  const full = p.startsWith('/') ? p : join(base, p);
  const st = await stat(full);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await readdir(full, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

function gib(n: number): string {
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
