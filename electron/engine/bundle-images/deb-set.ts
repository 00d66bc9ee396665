import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError, throwIfAborted } from '../errors.js';
import { run } from './debian-rootfs.js';

/**
 * A host package set for the bundle: the .deb files of some packages WITH every dependency a
 * minimal Debian host lacks, in one tar with an index (packages.json), so the installer can put
 * Docker or fail2ban on a server that has no network. Computed on the build machine with its
 * own apt and a private configuration: the dependency closure is resolved against the dpkg
 * status of a minimal root filesystem (what a bare server has at least), never against the
 * build machine's installed packages, and nothing of the host's apt state is touched.
 */

export const DEB_SET_FORMAT = 1;
/** The index inside every set tar. */
export const DEB_INDEX_FILE = 'packages.json';

export interface DebIndexEntry {
  name: string;
  version: string;
  arch: string;
  /** File name inside the tar. */
  file: string;
  sha256: string;
  size: number;
}

export interface DebIndex {
  schemaVersion: 1;
  /** e.g. "debian-12": the OS the closure was computed for. */
  os: string;
  /** The packages asked for (the rest are their dependencies). */
  install: string[];
  packages: DebIndexEntry[];
}

export interface AptSuite {
  /** Mirror URI, e.g. http://deb.debian.org/debian */
  uri: string;
  suites: string[];
  components: string[];
}

export interface DebSetOptions {
  /** Set name (file stem), e.g. "docker-debian-12". */
  name: string;
  os: string;
  /** Package names; `name/suite` takes that package from a pinned extra suite (e.g. docker-compose/trixie). */
  install: string[];
  /** dpkg status file of the minimal root filesystem the closure is computed against. */
  statusFile: string;
  /** Packages to treat as absent even if the status lists them (extras of the build's base image). */
  notInstalled?: string[];
  /** apt sources; `pinnedSuites` are only used for packages asked for as name/suite. */
  sources: AptSuite[];
  pinnedSuites?: string[];
  arch?: string;
  /** Output folder: <outDir>/<name>.tar */
  outDir: string;
  /** Private apt state (lists and downloaded .debs), shared by the sets of one build. */
  cacheDir: string;
  rebuild?: boolean;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuiltDebSet {
  name: string;
  file: string;
  size: number;
  sha256: string;
  cached: boolean;
  seconds: number;
  packages: DebIndexEntry[];
}

const PACKAGE = /^[a-z0-9][a-z0-9+.-]*(\/[a-z0-9-]+)?$/;

/** The dpkg status text with the named packages' stanzas removed (as if never installed). */
export function statusWithout(status: string, names: string[]): string {
  if (!names.length) return status;
  const drop = new Set(names);
  return (
    status
      .split(/\n\n+/)
      .filter((s) => {
        const m = /^Package: (\S+)$/m.exec(s);
        return !(m && drop.has(m[1]!));
      })
      .join('\n\n')
      .trimEnd() + '\n'
  );
}

/** `apt-get -s install` lines "Inst NAME [OLD] (VERSION ORIGIN [ARCH])" as {name, version, arch}. */
export function parseSimulatedInstall(output: string): { name: string; version: string; arch: string }[] {
  const out: { name: string; version: string; arch: string }[] = [];
  for (const line of output.split('\n')) {
    const m = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) .*\[([a-z0-9]+)\]\)/.exec(line);
    if (m) out.push({ name: m[1]!, version: m[2]!, arch: m[3]! });
  }
  return out;
}

/** The file name apt gives a downloaded package (the epoch's colon is escaped as %3a). */
export function debFileName(p: { name: string; version: string; arch: string }): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`;
}

/** Every `Types: deb` stanza of a deb822 sources file (the host's mirror, release, updates, security). */
export function parseAptSources(text: string): AptSuite[] {
  const out: AptSuite[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m && !line.startsWith('#')) f.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    const words = (k: string) => (f.get(k) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || !words('uris').length || !words('suites').length) continue;
    for (const uri of words('uris')) out.push({ uri, suites: words('suites'), components: words('components').length ? words('components') : ['main'] });
  }
  if (!out.length) throw new ApplianceError('NOT_FOUND', 'No Debian mirror found in the apt sources; the package sets need one (see docs/demo-bundle.md).');
  return out;
}

/** deb822 sources text for the private apt configuration. */
function sourcesText(sources: AptSuite[]): string {
  return sources.map((s) => `Types: deb\nURIs: ${s.uri}\nSuites: ${s.suites.join(' ')}\nComponents: ${s.components.join(' ')}\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`).join('\n');
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

/**
 * Builds <outDir>/<name>.tar: the closure of `install` against `statusFile`, downloaded with a
 * private apt configuration, plus packages.json. Cached: unchanged inputs (package list, status
 * file, sources) reuse the tar. Like the image layers, the key does not track new package
 * versions on the mirror (pass `rebuild`). The tar is deterministic (sorted, mtime 0, root
 * owner) and written under a temporary name, then renamed.
 */
export async function buildDebSet(opts: DebSetOptions): Promise<BuiltDebSet> {
  const started = performance.now();
  for (const p of opts.install) if (!PACKAGE.test(p)) throw new ApplianceError('VALIDATION', `"${p}" is not a Debian package name (optionally with /suite).`);
  const arch = opts.arch ?? 'amd64';
  const status = statusWithout(await readFile(opts.statusFile, 'utf8'), opts.notInstalled ?? []);
  const sources = sourcesText(opts.sources);
  const key = createHash('sha256')
    .update(JSON.stringify({ format: DEB_SET_FORMAT, name: opts.name, os: opts.os, install: opts.install, arch, pinned: opts.pinnedSuites ?? [], sources }))
    .update(status)
    .digest('hex');
  const out = join(opts.outDir, `${opts.name}.tar`);
  const stampFile = `${out}.stamp`;
  await mkdir(opts.outDir, { recursive: true });
  if (!opts.rebuild && existsSync(out) && (await readFile(stampFile, 'utf8').catch(() => '')).trim() === key) {
    const index = JSON.parse(await readFile(`${out}.json`, 'utf8')) as DebIndex;
    return { name: opts.name, file: out, size: (await stat(out)).size, sha256: await sha256File(out), cached: true, seconds: (performance.now() - started) / 1000, packages: index.packages };
  }

  // Private apt: its own config file (APT_CONFIG), sources, preferences, lists, cache and status.
  const apt = join(opts.cacheDir, 'apt');
  const etc = join(apt, 'etc');
  const state = join(apt, 'state', opts.name);
  const lists = join(apt, 'lists');
  const archives = join(apt, 'archives');
  for (const d of [join(apt, 'log'), join(etc, 'sources.list.d'), join(etc, 'preferences.d'), join(etc, 'apt.conf.d'), join(lists, 'partial'), join(archives, 'partial'), state]) await mkdir(d, { recursive: true });
  await writeFile(join(etc, 'sources.list.d', 'debian.sources'), sources);
  const pins = (opts.pinnedSuites ?? []).map((s) => `Package: *\nPin: release n=${s}\nPin-Priority: 100\n`).join('\n');
  await writeFile(join(etc, 'preferences.d', 'pinned'), pins);
  await writeFile(join(state, 'status'), status);
  const config = join(apt, `apt-${opts.name}.conf`);
  await writeFile(
    config,
    [
      `Dir::Etc::SourceList "/dev/null";`,
      `Dir::Etc::SourceParts "${etc}/sources.list.d";`,
      `Dir::Etc::Preferences "/dev/null";`,
      `Dir::Etc::PreferencesParts "${etc}/preferences.d";`,
      `Dir::Etc::Parts "${etc}/apt.conf.d";`,
      `Dir::State "${state}";`,
      `Dir::State::Lists "${lists}";`,
      `Dir::State::status "${state}/status";`,
      `Dir::Cache "${apt}/cache";`,
      `Dir::Cache::archives "${archives}";`,
      // apt's history and solver logs too: nothing of the build machine's own apt state changes.
      `Dir::Log "${apt}/log";`,
      `APT::Architecture "${arch}";`,
      `APT::Architectures { "${arch}"; };`,
      `APT::Install-Recommends "false";`,
      `APT::Install-Suggests "false";`,
      `Acquire::Languages "none";`,
      '',
    ].join('\n'),
  );
  const env = { ...(process.env as Record<string, string>), APT_CONFIG: config, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
  const aptRun = (args: string[]) => run(['apt-get', '-q', ...args], { env, onLine: opts.onLine, signal: opts.signal });

  const listsStamp = join(lists, 'sources.sha256');
  const sourcesHash = createHash('sha256').update(sources).digest('hex');
  if (opts.rebuild || (await readFile(listsStamp, 'utf8').catch(() => '')).trim() !== sourcesHash) {
    await aptRun(['update']);
    await writeFile(listsStamp, sourcesHash + '\n');
  }
  throwIfAborted(opts.signal);
  const wanted = ['install', '--no-install-recommends', '-y', ...opts.install];
  const closure = parseSimulatedInstall(await aptRun(['-s', ...wanted]));
  if (!closure.length) throw new ApplianceError('FAILED', `apt found nothing to install for ${opts.install.join(' ')}: are they all in the minimal system already?`);
  await aptRun(['--download-only', ...wanted]);

  const work = `${out}.work-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const packages: DebIndexEntry[] = [];
    for (const p of closure.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const file = debFileName(p);
      const src = join(archives, file);
      if (!existsSync(src)) throw new ApplianceError('FAILED', `apt did not download ${file} (looked in ${archives}).`);
      // The control fields are the truth (not the file name): checked once here.
      const fields = (await run(['dpkg-deb', '--showformat=${Package} ${Version} ${Architecture}', '--show', src])).trim();
      if (fields !== `${p.name} ${p.version} ${p.arch}`) throw new ApplianceError('INTEGRITY', `${file} says "${fields}", expected "${p.name} ${p.version} ${p.arch}".`);
      const plain = `${p.name}_${p.version.replace(/^\d+:/, '')}_${p.arch}.deb`;
      await run(['cp', '--reflink=auto', src, join(work, plain)]);
      packages.push({ ...p, file: plain, sha256: await sha256File(src), size: (await stat(src)).size });
    }
    const index: DebIndex = { schemaVersion: 1, os: opts.os, install: opts.install.map((p) => p.split('/')[0]!), packages };
    await writeFile(join(work, DEB_INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
    const tmp = `${out}.partial-${process.pid}`;
    await run(['tar', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--mode=a+rX,u+w,go-w', '--format=gnu', '-cf', tmp, '-C', work, DEB_INDEX_FILE, ...packages.map((p) => p.file)]);
    await rename(tmp, out);
    await writeFile(`${out}.json`, JSON.stringify(index, null, 2) + '\n');
    await writeFile(stampFile, key + '\n');
    return { name: opts.name, file: out, size: (await stat(out)).size, sha256: await sha256File(out), cached: false, seconds: (performance.now() - started) / 1000, packages };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(`${out}.partial-${process.pid}`, { force: true });
  }
}
