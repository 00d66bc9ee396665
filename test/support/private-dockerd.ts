import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * A dockerd of the test's own: its own data root, exec root, pid file and unix socket, and no
 * changes to host networking (no iptables rules, no forwarding, no bridge), so the practice
 * lab's bridges and FORWARD rules are untouched. Its containerd namespace is private too, in
 * case a system containerd is already running.
 */
export interface PrivateDockerd {
  /** DOCKER_HOST value for the docker CLI. */
  host: string;
  /** Runs the docker CLI against this daemon. */
  docker(args: string[], opts?: { input?: Buffer | string; reject?: boolean }): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  stop(): Promise<void>;
}

/** overlay2 where the temp folder's filesystem allows it (ext4, xfs, tmpfs), else vfs (slower, works anywhere). */
export async function startPrivateDockerd(dir: string, opts: { insecureRegistries?: string[] } = {}): Promise<PrivateDockerd> {
  let last: unknown;
  for (const driver of ['overlay2', 'vfs']) {
    try {
      return await startWith(join(dir, driver), driver, opts);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

async function startWith(dir: string, driver: string, opts: { insecureRegistries?: string[] }): Promise<PrivateDockerd> {
  await mkdir(dir, { recursive: true });
  const sock = join(dir, 'docker.sock');
  const host = `unix://${sock}`;
  const ns = `appliance-test-${process.pid}`;
  const log = createWriteStream(join(dir, 'dockerd.log'));
  const args = [
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'dockerd.pid'),
    '-H', host,
    '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none',
    `--storage-driver=${driver}`,
    '--containerd-namespace', ns, '--containerd-plugins-namespace', `${ns}-plugins`,
    ...(opts.insecureRegistries ?? []).flatMap((r) => ['--insecure-registry', r]),
  ];
  const proc: ChildProcess = spawn('dockerd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  let exited = false;
  proc.on('exit', () => (exited = true));
  proc.on('error', () => (exited = true));
  const docker: PrivateDockerd['docker'] = async (a, o = {}) => {
    const r = await execa('docker', a, { env: { DOCKER_HOST: host }, input: o.input, reject: o.reject ?? true, timeout: 120_000 });
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
  };
  const stop = async () => {
    if (!exited && proc.pid) {
      proc.kill('SIGTERM');
      const gone = await waitUntil(() => exited, 20_000);
      if (!gone) proc.kill('SIGKILL');
      await waitUntil(() => exited, 5_000);
    }
    log.end();
    // The daemon unmounts its overlay mounts on a clean stop; a killed one may leave some.
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
    for (const m of mounts.sort().reverse()) await execa('umount', ['-l', m], { reject: false });
  };
  // A daemon that exits (e.g. a storage driver this filesystem lacks) ends the wait at once.
  const answered = async () => (await docker(['version', '--format', '{{.Server.Version}}'], { reject: false })).exitCode === 0;
  const ready = (await waitUntil(async () => exited || (await answered()), 60_000)) && !exited;
  if (!ready) {
    await stop();
    const tail = (await readFile(join(dir, 'dockerd.log'), 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
    throw new Error(`dockerd did not come up on ${host}:\n${tail}`);
  }
  return { host, docker, stop };
}

async function waitUntil(fn: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
