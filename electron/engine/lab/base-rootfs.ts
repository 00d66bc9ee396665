import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { assertTools, BUILD_TOOLS } from './host-tools.js';
import { acquireLock } from './lock.js';
import { removeTree } from './mounts.js';
import { isAlive } from './processes.js';
import { runStreaming } from './run.js';

/**
 * What goes into every node (the "bare" profile: a freshly installed server that boots systemd).
 * Changing this list, MASKED_UNITS or base-build.sh builds a new base.
 */
export const BASE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'libpam-systemd',
  'systemd-timesyncd',
  'cron',
  'sudo',
  'openssh-server',
  'iproute2',
  'procps',
  'ca-certificates',
  'busybox-static',
  'less',
  // Every real server has it; the install's checks fetch https://<app name> with it, as hospital IT would.
  'curl',
] as const;
/** Units that cannot work in a namespace node; why each is masked is in docs/lab.md. */
export const MASKED_UNITS = ['console-getty.service', 'sys-kernel-debug.mount', 'sys-kernel-tracing.mount'] as const;
export const BASE_SUITE = 'bookworm';
const FORMAT = 2;
const STAMP_FILE = '.appliance-base.json';
const BUILD_SCRIPT = new URL('./base-build.sh', import.meta.url);
const HOST_SOURCES = '/etc/apt/sources.list.d/debian.sources';
const PKG_RE = /^[a-z0-9][a-z0-9+.-]+$/;

export interface BaseSpec {
  format: number;
  suite: string;
  variant: 'minbase';
  mirror: string;
  packages: string[];
  masked: string[];
  buildScriptSha256: string;
}

/** The Debian mirror this host uses for `suite` (deb822 sources first, then sources.list). */
export function hostMirror(suite = BASE_SUITE): string {
  try {
    const stanzas = readFileSync(HOST_SOURCES, 'utf8').split(/\n\s*\n/);
    for (const st of stanzas) {
      const field = (k: string) =>
        st
          .split('\n')
          .find((l) => l.toLowerCase().startsWith(k.toLowerCase() + ':'))
          ?.slice(k.length + 1)
          .trim();
      const suites = (field('Suites') ?? '').split(/\s+/);
      const types = (field('Types') ?? '').split(/\s+/);
      const uri = (field('URIs') ?? '').split(/\s+/)[0];
      if (uri && suites.includes(suite) && types.includes('deb')) return uri;
    }
  } catch {
    // no deb822 file
  }
  try {
    for (const line of readFileSync('/etc/apt/sources.list', 'utf8').split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (m && m[2] === suite) return m[1]!;
    }
  } catch {
    // no sources.list either
  }
  return 'http://deb.debian.org/debian';
}

export function baseSpec(): BaseSpec {
  for (const p of [...BASE_PACKAGES, ...MASKED_UNITS]) if (!PKG_RE.test(p)) throw new ApplianceError('INTERNAL', `Bad package or unit name ${p}`);
  return {
    format: FORMAT,
    suite: BASE_SUITE,
    variant: 'minbase',
    mirror: hostMirror(),
    packages: [...BASE_PACKAGES],
    masked: [...MASKED_UNITS],
    buildScriptSha256: createHash('sha256').update(readFileSync(BUILD_SCRIPT)).digest('hex'),
  };
}

function specHash(spec: BaseSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 12);
}

/** Path of the cached base for the current spec (it may not exist yet). */
export function baseDirFor(stateDir: string, spec = baseSpec()): string {
  return path.join(stateDir, `base-${specHash(spec)}`);
}

/** The stamp that marks a finished build of `spec` (also used by docker-layer.ts). */
export function stampFor(spec: object): string {
  return JSON.stringify(spec, null, 2) + '\n';
}
export const STAMP_NAME = STAMP_FILE;

/** Whether `dir` holds a finished build of `spec` (its stamp matches); shared with docker-layer.ts. */
export function isComplete(dir: string, spec: object): boolean {
  try {
    return readFileSync(path.join(dir, STAMP_FILE), 'utf8') === stampFor(spec);
  } catch {
    return false;
  }
}

/**
 * Returns the cached Debian base root filesystem, building it first if needed (debootstrap
 * minbase + the lab packages, about 1-2 minutes, once). Built in a temp dir and renamed when
 * complete; a lock makes a concurrent `lab up` wait instead of building twice.
 */
export async function ensureBaseRootfs(stateDir: string, opts: { onEvent: OnEvent; task: string; signal?: AbortSignal }): Promise<string> {
  const spec = baseSpec();
  const dir = baseDirFor(stateDir, spec);
  if (isComplete(dir, spec)) return dir;

  const { onEvent, task, signal } = opts;
  await mkdir(stateDir, { recursive: true, mode: 0o755 });
  const release = await acquireLock(path.join(stateDir, 'base.lock'), {
    timeoutMs: 30 * 60_000,
    signal,
    busyMessage: 'Another `appliance lab up` is still building the base root filesystem.',
    onWait: () => onEvent({ type: 'log', task, stream: 'info', line: 'Waiting for another `lab up` to finish building the base root filesystem...' }),
  });
  try {
    if (isComplete(dir, spec)) return dir;
    assertTools(BUILD_TOOLS);
    await removeStaleBuilds(stateDir, /^\.base-[0-9a-f]+\.tmp-(\d+)$/);
    if (existsSync(dir)) await removeTree(dir); // a dir without a matching stamp is not ours to trust

    const tmp = path.join(stateDir, `.${path.basename(dir)}.tmp-${process.pid}`);
    await removeTree(tmp);
    await mkdir(tmp, { recursive: true });
    const started = Date.now();
    const log = (line: string, stream: 'stdout' | 'stderr') => onEvent({ type: 'log', task, stream, line });
    const progress = (done: number, label: string) => onEvent({ type: 'progress', task, label, done, total: 3, unit: 'steps' });
    try {
      onEvent({ type: 'log', task, stream: 'info', line: `Building the lab base root filesystem (Debian ${spec.suite} minbase + ${spec.packages.length} packages, once; about 1-2 minutes) from ${spec.mirror}` });
      progress(0, 'base rootfs: debootstrap');
      // Own mount namespace: debootstrap's /proc and /sys mounts in the target die with it.
      await runStreaming(
        'unshare',
        // umask 022: base-files' postinst creates /usr/local/* with a plain mkdir, so a caller's
        // umask 077 would leave them 0700 and hide every tool there from non-root users.
        ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'umask 022 && exec debootstrap "$@"', 'debootstrap', '--variant=minbase', spec.suite, tmp, spec.mirror],
        { onLine: log, signal },
      );
      throwIfAborted(signal);
      if (existsSync(HOST_SOURCES)) {
        // Same mirrors as the host (incl. updates and security), in the same deb822 form.
        await copyFile(HOST_SOURCES, path.join(tmp, 'etc/apt/sources.list.d/debian.sources'));
        await rm(path.join(tmp, 'etc/apt/sources.list'), { force: true });
      }
      progress(1, 'base rootfs: packages');
      await runStreaming('unshare', ['--mount', '--propagation', 'private', '--', 'sh', fileURLToPath(BUILD_SCRIPT), tmp], {
        onLine: log,
        env: { LAB_PACKAGES: spec.packages.join(' '), LAB_MASK: spec.masked.join(' ') },
        signal,
      });
      throwIfAborted(signal);
      progress(2, 'base rootfs: finish');
      await writeFile(path.join(tmp, STAMP_FILE), stampFor(spec));
      await rename(tmp, dir);
      progress(3, 'base rootfs: done');
      onEvent({ type: 'log', task, stream: 'info', line: `Base root filesystem ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${dir}` });
    } catch (e) {
      await removeTree(tmp).catch(() => {});
      throw e;
    }
    await pruneOldBases(stateDir, dir);
    return dir;
  } finally {
    release();
  }
}

/** Temp build dirs whose builder died (the lock is ours now, so no live builder can own one). */
export async function removeStaleBuilds(stateDir: string, pattern: RegExp): Promise<void> {
  for (const entry of readdirSync(stateDir)) {
    const m = pattern.exec(entry);
    if (m && (Number(m[1]) === process.pid || !isAlive(Number(m[1])))) await removeTree(path.join(stateDir, entry));
  }
}

/** Old bases (from an earlier package list) that no lab's state still points at. */
async function pruneOldBases(stateDir: string, keep: string): Promise<void> {
  const inUse = new Set<string>([keep]);
  const labs = path.join(stateDir, 'labs');
  if (existsSync(labs)) {
    for (const lab of readdirSync(labs)) {
      try {
        const st = JSON.parse(readFileSync(path.join(labs, lab, 'state.json'), 'utf8')) as { baseDir?: string };
        if (st.baseDir) inUse.add(st.baseDir);
      } catch {
        // not a lab folder or no state
      }
    }
  }
  for (const entry of readdirSync(stateDir)) {
    const p = path.join(stateDir, entry);
    // A docker layer (base-<hash>.docker-<hash>) belongs to its base and goes with it.
    const owner = /^(base-[0-9a-f]{12})(?:\.docker-[0-9a-f]{12})?$/.exec(entry);
    if (owner && !inUse.has(path.join(stateDir, owner[1]!))) await removeTree(p);
  }
}
