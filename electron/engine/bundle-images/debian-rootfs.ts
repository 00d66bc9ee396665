import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ApplianceError, throwIfAborted } from '../errors.js';

/** Where the host's Debian sources live (deb822 format, Debian 12). */
export const HOST_DEBIAN_SOURCES = '/etc/apt/sources.list.d/debian.sources';

export interface DebianSource {
  /** The first URI of the stanza that carries the release suite. */
  mirror: string;
  /** The release suite, e.g. "bookworm". */
  suite: string;
}

/**
 * Finds the mirror and release suite in a deb822 sources file: the first stanza whose first
 * suite has no "-security"/"-updates" suffix. The image build uses the same mirror the host
 * already trusts, so nothing about the mirror is written in the project.
 */
export function parseDebianSources(text: string): DebianSource {
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
    const suite = (fields.get('suites') ?? '').split(/\s+/)[0];
    if (!types.includes('deb') || !uri || !suite || /-(security|updates|backports)$/.test(suite)) continue;
    return { mirror: uri, suite };
  }
  throw new ApplianceError('NOT_FOUND', 'No Debian release mirror found in the apt sources; the image build needs one (see docs/demo-bundle.md).');
}

/** Reads the host's Debian sources file. */
export async function hostDebianSource(file = HOST_DEBIAN_SOURCES): Promise<DebianSource> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ApplianceError('NOT_FOUND', `${file} is missing; the image build reads the Debian mirror from it.`);
  });
  return parseDebianSources(text);
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Each output line (stdout and stderr), for logs. */
  onLine?: (line: string) => void;
  env?: Record<string, string>;
}

/** Runs a host command (argv, no shell), streaming its lines; throws FAILED with the tail of the output. */
export async function run(argv: string[], opts: RunOptions = {}): Promise<string> {
  throwIfAborted(opts.signal);
  const [cmd, ...args] = argv;
  if (!cmd) throw new ApplianceError('INTERNAL', 'run() called without a command.');
  const tail: string[] = [];
  const child = execa(cmd, args, { all: true, reject: false, cancelSignal: opts.signal, env: opts.env, extendEnv: opts.env ? false : true, stdin: 'ignore' });
  let buffered = '';
  child.all?.on('data', (c: Buffer) => {
    buffered += c.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) {
      tail.push(l);
      if (tail.length > 40) tail.shift();
      opts.onLine?.(l);
    }
  });
  const res = await child;
  if (buffered) tail.push(buffered);
  if (opts.signal?.aborted) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
  if (res.exitCode !== 0) {
    throw new ApplianceError('FAILED', `${argv.slice(0, 4).join(' ')} failed (exit ${res.exitCode ?? res.signal}):\n${tail.slice(-15).join('\n')}`, { argv });
  }
  return String(res.all ?? '');
}

/** The clean environment commands get inside the build chroot. */
const CHROOT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'DEBIAN_FRONTEND=noninteractive', 'LANG=C.UTF-8', 'HOME=/root'];

/** Runs argv inside `root` with chroot and a clean environment. */
export function runInChroot(root: string, argv: string[], opts: RunOptions = {}): Promise<string> {
  return run(['chroot', root, '/usr/bin/env', '-i', ...CHROOT_ENV, ...argv], opts);
}

/** A bind mount to add while a chroot is prepared: host `source` appears at `target` inside. */
export interface BindMount {
  source: string;
  /** Path inside the chroot, absolute. */
  target: string;
  file?: boolean;
}

/**
 * Mounts what package scripts need (proc, dev, devpts, the host's resolv.conf, extra binds),
 * runs `fn`, and always unmounts in reverse order, even when `fn` throws. Bind mounts do not
 * copy anything into an overlay upper dir, so none of this ends up in a layer.
 */
export async function withChrootMounts<T>(root: string, binds: BindMount[], fn: () => Promise<T>): Promise<T> {
  const mounted: string[] = [];
  const mountAt = async (argv: string[], target: string) => {
    await run([...argv, target]);
    mounted.push(target);
  };
  try {
    await mountAt(['mount', '-t', 'proc', 'proc'], join(root, 'proc'));
    await mountAt(['mount', '--bind', '/dev'], join(root, 'dev'));
    await mountAt(['mount', '--bind', '/dev/pts'], join(root, 'dev/pts'));
    const all: BindMount[] = [{ source: '/etc/resolv.conf', target: '/etc/resolv.conf', file: true }, ...binds];
    for (const b of all) {
      const target = join(root, b.target);
      if (!existsSync(target)) {
        if (b.file) await writeFile(target, '');
        else await mkdir(target, { recursive: true });
      }
      await mountAt(['mount', '--bind', b.source], target);
    }
    return await fn();
  } finally {
    for (const target of mounted.reverse()) {
      await run(['umount', target]).catch(() => run(['umount', '-l', target]).catch(() => {}));
    }
  }
}

/**
 * Mounts an overlay of `lower` (read-only) and `upper` at `merged`. Redirects and metacopy are
 * turned off so every change is a plain file or a whiteout in `upper`, which is what a layer
 * needs. Returns the unmount function.
 */
export async function mountOverlay(dirs: { lower: string; upper: string; work: string; merged: string }): Promise<() => Promise<void>> {
  for (const d of [dirs.upper, dirs.work, dirs.merged]) await mkdir(d, { recursive: true });
  const base = `lowerdir=${dirs.lower},upperdir=${dirs.upper},workdir=${dirs.work}`;
  try {
    await run(['mount', '-t', 'overlay', 'overlay', '-o', `${base},redirect_dir=off,metacopy=off,index=off`, dirs.merged]);
  } catch {
    // Older kernels do not know every option; the defaults are off there anyway.
    await run(['mount', '-t', 'overlay', 'overlay', '-o', base, dirs.merged]);
  }
  return async () => {
    await run(['umount', dirs.merged]).catch(() => run(['umount', '-l', dirs.merged]));
  };
}

/** Reads the opaque directories of an overlay upper dir (needs getfattr from the `attr` package). */
export async function overlayOpaqueDirs(upper: string): Promise<string> {
  const res = await execa('getfattr', ['-R', '-P', '--absolute-names', '-d', '-m', '^trusted\\.overlay\\.opaque$', upper], { reject: false });
  if (res.exitCode === undefined) {
    throw new ApplianceError('UNSUPPORTED', 'getfattr could not run (apt-get install attr); the image build needs it to read overlay whiteouts.');
  }
  return String(res.stdout);
}

/** Resolves a user name (or "name:group", or numeric) to "uid:gid" from a root's /etc/passwd and /etc/group. */
export async function resolveUser(root: string, user: string): Promise<string> {
  const [name, group] = user.split(':');
  if (!name) return '';
  const passwd = await readFile(join(root, 'etc/passwd'), 'utf8');
  const groups = await readFile(join(root, 'etc/group'), 'utf8');
  const num = (s: string) => /^\d+$/.test(s);
  let uid = name;
  let gid: string | undefined;
  if (!num(name)) {
    const row = passwd.split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
    if (!row) throw new ApplianceError('NOT_FOUND', `User ${name} does not exist in the image; create it in the recipe's postInstall.`);
    uid = row[2]!;
    gid = row[3];
  }
  if (group !== undefined) {
    if (num(group)) gid = group;
    else {
      const row = groups.split('\n').map((l) => l.split(':')).find((f) => f[0] === group);
      if (!row) throw new ApplianceError('NOT_FOUND', `Group ${group} does not exist in the image.`);
      gid = row[2];
    }
  }
  return gid !== undefined ? `${uid}:${gid}` : uid;
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo, octal escapes decoded). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const prefix = dir.replace(/\/+$/, '');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === prefix || p.startsWith(prefix + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Deletes a build folder, first unmounting anything a killed earlier build left mounted in it.
 * Without this, a leftover bind mount of /dev or of the apt cache would be deleted through.
 */
export async function removeBuildDir(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) {
    await run(['umount', point]).catch(() => run(['umount', '-l', point]));
  }
  const left = await mountsUnder(dir);
  if (left.length) throw new ApplianceError('CONFLICT', `${left[0]} is still mounted; unmount it before rebuilding (refusing to delete through a mount).`);
  await rm(dir, { recursive: true, force: true });
}
