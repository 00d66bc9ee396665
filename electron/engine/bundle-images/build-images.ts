import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { hostDebianSource, mountOverlay, overlayOpaqueDirs, removeBuildDir, resolveUser, run, runInChroot, withChrootMounts, HOST_DEBIAN_SOURCES, type BindMount } from './debian-rootfs.js';
import { configBytes, writeDockerArchive } from './docker-archive.js';
import { buildImageConfig } from './image-config.js';
import { collectLayerEntries, parseOpaqueDirs } from './layer-entries.js';
import { writeLayer, type LayerBlob } from './layer-tar.js';
import { BaseRecipe, cacheKey, ImageRecipe, loadRecipe, parseMode, resolveSource, toContainerConfig } from './recipe.js';

/** Bumped when the way layers are produced changes, so old caches are not reused. */
export const BUILDER_VERSION = 2;

export interface BuildImagesOptions {
  /** YAML recipe of the shared base layer. */
  baseRecipeFile: string;
  /** YAML recipes of the service images. */
  recipeFiles: string[];
  /** Folder the docker-archives are written to, one `<name>.tar` per image. */
  outDir: string;
  /** Cache of the base root filesystem, layers and downloaded packages. */
  cacheDir: string;
  /** Named input folders recipes can copy from as `@name/...`. */
  inputs?: Record<string, string>;
  /** Ignore cached layers (the base too when `rebuildBase`). */
  rebuild?: boolean;
  rebuildBase?: boolean;
  task?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export interface BuiltImage {
  name: string;
  ref: string;
  archive: string;
  /** Bytes of the archive. */
  size: number;
  sha256: string;
  imageId: string;
  /** 'cached': archive untouched; 'layer-cached': layer reused, archive rewritten; 'built'. */
  status: 'cached' | 'layer-cached' | 'built';
  seconds: number;
  layers: { diffId: string; size: number }[];
  packages: number;
}

interface BaseMeta {
  key: string;
  created: string;
  suite: string;
  layer: LayerBlob;
  packages: string[];
}

interface LayerMeta {
  key: string;
  layer: LayerBlob;
  user: string | undefined;
  packages: string[];
}

/** Paths whose contents never belong in a layer (runtime mounts, scratch, apt caches bound in). */
const NEVER_CONTENT = /^(dev|proc|sys|tmp|var\/tmp|var\/lib\/apt\/lists|var\/cache\/apt\/archives)\/./;

/** Debian files dropped from the base (docs, manuals, translations, logs): dpkg then keeps them out of every service layer too. */
const DPKG_SLIM = [
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/lintian/*',
  '',
].join('\n');

const CLEANUP = [
  'rm -rf /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old /var/cache/ldconfig/aux-cache /root/.cache /root/.npm',
  'find /var/log -type f -delete',
  'find /usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true',
  'find /usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true',
  'rm -rf /usr/share/man/* /usr/share/info/* /usr/share/lintian/*',
  'find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true',
  'true',
].join('; ');

function short(key: string): string {
  return key.slice(0, 16);
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * Builds docker-archives for Debian-based service images without a Docker daemon: one shared
 * base layer (debootstrap minbase + base packages), then per image an overlay over the base in
 * which apt installs the recipe's packages; the overlay's upper dir becomes the image's second
 * layer. Layers are cached by a key over the recipe and its files, so an unchanged service costs
 * nothing on the next run. Needs root on Linux (debootstrap, chroot, mount).
 */
export async function buildDebianImages(opts: BuildImagesOptions): Promise<{ images: BuiltImage[]; baseSeconds: number; baseCached: boolean }> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new ApplianceError('PERMISSION', 'Building the demo images needs root on Linux (debootstrap, chroot and overlay mounts).');
  }
  const task = opts.task ?? 'images';
  const emit = opts.onEvent ?? (() => {});
  const log = (line: string, stream: 'stdout' | 'info' = 'stdout') => emit({ type: 'log', task, stream, line });
  const step = (s: string, state: 'running' | 'done' | 'skipped' | 'failed', title?: string, error?: string) =>
    emit({ type: 'step', task, step: s, state, ...(title ? { title } : {}), ...(error ? { error } : {}) });

  await mkdir(opts.outDir, { recursive: true });
  await mkdir(join(opts.cacheDir, 'layers'), { recursive: true });
  const releaseLock = await lockCache(opts.cacheDir);
  try {
    return await buildLocked(opts, log, step);
  } finally {
    await releaseLock();
  }
}

/** One build per cache dir at a time: two would share work folders and mounts. */
async function lockCache(cacheDir: string): Promise<() => Promise<void>> {
  const file = join(cacheDir, 'build.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch {
      const pid = Number(await readFile(file, 'utf8').catch(() => ''));
      let alive = false;
      try {
        if (pid > 0) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (alive) throw new ApplianceError('CONFLICT', `Another image build (pid ${pid}) is using ${cacheDir}; wait for it to finish.`);
      await rm(file, { force: true }); // left by a build that died
    }
  }
  throw new ApplianceError('CONFLICT', `Cannot lock ${cacheDir} for the image build.`);
}

type Log = (line: string, stream?: 'stdout' | 'info') => void;
type Step = (s: string, state: 'running' | 'done' | 'skipped' | 'failed', title?: string, error?: string) => void;

async function buildLocked(opts: BuildImagesOptions, log: Log, step: Step): Promise<{ images: BuiltImage[]; baseSeconds: number; baseCached: boolean }> {
  const aptLists = join(opts.cacheDir, 'apt-lists');
  const aptArchives = join(opts.cacheDir, 'apt-archives');
  await mkdir(join(aptLists, 'partial'), { recursive: true });
  await mkdir(join(aptArchives, 'partial'), { recursive: true });
  const aptBinds: BindMount[] = [
    { source: aptLists, target: '/var/lib/apt/lists' },
    { source: aptArchives, target: '/var/cache/apt/archives' },
  ];

  const t0 = performance.now();
  step('base', 'running', 'Base layer (Debian minbase)');
  let base: BaseMeta & { root: string };
  let baseCached: boolean;
  try {
    ({ base, cached: baseCached } = await ensureBase(opts, aptBinds, log));
  } catch (e) {
    step('base', 'failed', undefined, e instanceof Error ? e.message : String(e));
    throw e;
  }
  const baseSeconds = (performance.now() - t0) / 1000;
  step('base', baseCached ? 'skipped' : 'done');

  const images: BuiltImage[] = [];
  const seen = new Set<string>();
  for (const file of opts.recipeFiles) {
    throwIfAborted(opts.signal);
    const { recipe, dir, text } = await loadRecipe(file, ImageRecipe);
    if (seen.has(recipe.name)) throw new ApplianceError('VALIDATION', `Two image recipes are named ${recipe.name}.`);
    seen.add(recipe.name);
    const started = performance.now();
    step(recipe.name, 'running', `Image ${recipe.ref}`);
    try {
      const sources = recipe.files.map((f) => resolveSource(f.src, dir, opts.inputs));
      const key = await cacheKey({ text, sources, extra: { builder: BUILDER_VERSION, base: base.key } });
      const metaFile = join(opts.cacheDir, 'layers', `${recipe.name}-${short(key)}.json`);
      let meta = opts.rebuild ? null : await readJson<LayerMeta>(metaFile);
      if (meta && !existsSync(meta.layer.file)) meta = null;
      const layerCached = meta !== null;
      if (!meta) {
        meta = await buildServiceLayer({ recipe, sources, key, base, cacheDir: opts.cacheDir, aptBinds, log, signal: opts.signal });
        await writeFile(metaFile, JSON.stringify(meta, null, 2));
      }

      const config = buildImageConfig({
        created: base.created,
        config: toContainerConfig(recipe.config, meta.user),
        layers: [
          { diffId: base.layer.diffId, createdBy: `debootstrap --variant=minbase ${base.suite}; apt-get install ${base.packages.join(' ')}`, comment: 'airgap-appliance shared base' },
          { diffId: meta.layer.diffId, createdBy: `apt-get install ${recipe.packages.join(' ') || '(none)'}; copy ${recipe.files.length} file(s)`, comment: `airgap-appliance ${recipe.name}` },
        ],
      });
      const archive = join(opts.outDir, `${recipe.name}.tar`);
      const stampFile = join(opts.cacheDir, 'layers', `${recipe.name}.archive.json`);
      const stampKey = createHash('sha256').update(base.layer.digest).update(meta.layer.digest).update(configBytes(config)).update(recipe.ref).digest('hex');
      const stamp = await readJson<{ key: string; sha256: string; size: number; imageId: string; archive: string }>(stampFile);
      const onDisk = await stat(archive).catch(() => null);
      let status: BuiltImage['status'];
      let written: { sha256: string; size: number; imageId: string };
      if (stamp && stamp.key === stampKey && stamp.archive === archive && onDisk?.size === stamp.size) {
        status = 'cached';
        written = stamp;
      } else {
        const res = await writeDockerArchive(archive, [{ repoTags: [recipe.ref], config, layers: [base.layer, meta.layer] }], { signal: opts.signal });
        written = { sha256: res.sha256, size: res.size, imageId: res.images[0]!.imageId };
        await writeFile(stampFile, JSON.stringify({ key: stampKey, archive, ...written }, null, 2));
        status = layerCached ? 'layer-cached' : 'built';
      }
      images.push({
        name: recipe.name,
        ref: recipe.ref,
        archive,
        ...written,
        status,
        seconds: (performance.now() - started) / 1000,
        layers: [base.layer, meta.layer].map((l) => ({ diffId: l.diffId, size: l.size })),
        packages: meta.packages.length,
      });
      step(recipe.name, status === 'built' ? 'done' : 'skipped');
    } catch (e) {
      step(recipe.name, 'failed', undefined, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }
  return { images, baseSeconds, baseCached };
}

async function ensureBase(
  opts: BuildImagesOptions,
  aptBinds: BindMount[],
  log: (l: string, s?: 'stdout' | 'info') => void,
): Promise<{ base: BaseMeta & { root: string }; cached: boolean }> {
  const { recipe, dir, text } = await loadRecipe(opts.baseRecipeFile, BaseRecipe);
  const source = await hostDebianSource();
  const sources = recipe.files.map((f) => resolveSource(f.src, dir, opts.inputs));
  const key = await cacheKey({ text, sources, extra: { builder: BUILDER_VERSION, mirror: source.mirror, suite: source.suite, arch: process.arch } });
  const baseDir = join(opts.cacheDir, `base-${short(key)}`);
  const metaFile = join(baseDir, 'meta.json');
  const cached = opts.rebuildBase ? null : await readJson<BaseMeta>(metaFile);
  if (cached && existsSync(cached.layer.file) && existsSync(join(baseDir, 'root/etc/debian_version'))) {
    log(`base layer cached (${basename(baseDir)})`, 'info');
    return { base: { ...cached, root: join(baseDir, 'root') }, cached: true };
  }

  const tmp = `${baseDir}.tmp`;
  await removeBuildDir(tmp);
  await mkdir(tmp, { recursive: true });
  const root = join(tmp, 'root');
  const include = recipe.packages.length ? [`--include=${recipe.packages.join(',')}`] : [];
  log(`debootstrap --variant=${recipe.variant} ${source.suite}`, 'info');
  await run(['debootstrap', `--variant=${recipe.variant}`, ...include, source.suite, root, source.mirror], { onLine: (l) => log(l), signal: opts.signal });

  // Same sources as the host (release, updates, security) so service layers get the fixes too.
  await rm(join(root, 'etc/apt/sources.list'), { force: true });
  await copyFile(HOST_DEBIAN_SOURCES, join(root, 'etc/apt/sources.list.d/debian.sources'));
  await writeFile(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\n# Never start services while building or upgrading an image.\nexit 101\n', { mode: 0o755 });
  await writeFile(join(root, 'etc/dpkg/dpkg.cfg.d/01-airgap-slim'), DPKG_SLIM);
  await writeFile(join(root, 'etc/apt/apt.conf.d/01-airgap-slim'), 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n');

  await withChrootMounts(root, aptBinds, async () => {
    await runInChroot(root, ['apt-get', 'update', '-q'], { onLine: log, signal: opts.signal });
    await runInChroot(root, ['apt-get', 'upgrade', '-y', '-q'], { onLine: log, signal: opts.signal });
    await copyRecipeFiles(root, recipe.files, sources);
    for (const argv of recipe.postInstall) await runInChroot(root, argv, { onLine: log, signal: opts.signal });
    await runInChroot(root, ['sh', '-c', CLEANUP], { onLine: log, signal: opts.signal });
  });
  // debootstrap's own downloads and lists sit under the bind mounts; they never go in a layer.
  await run(['sh', '-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_*', 'sh', root]);
  // The runtime provides these; the build host's values must not leak into the image.
  await writeFile(join(root, 'etc/resolv.conf'), '');
  await writeFile(join(root, 'etc/hostname'), 'localhost\n');
  await writeFile(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  const packages = (await runInChroot(root, ['dpkg-query', '-W', '-f', '${Package} ${Version}\n'])).trim().split('\n');

  log('writing the base layer', 'info');
  const entries = await collectLayerEntries(root, { exclude: (p) => NEVER_CONTENT.test(p), signal: opts.signal });
  const layer = await writeLayer(entries, join(tmp, 'layer.tar.gz'), { signal: opts.signal });
  await removeBuildDir(baseDir);
  await rename(tmp, baseDir);
  const meta: BaseMeta = {
    key,
    created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    suite: source.suite,
    layer: { ...layer, file: join(baseDir, 'layer.tar.gz') },
    packages,
  };
  await writeFile(metaFile, JSON.stringify(meta, null, 2));
  return { base: { ...meta, root: join(baseDir, 'root') }, cached: false };
}

async function copyRecipeFiles(root: string, files: { dest: string; mode?: string }[], sources: string[]): Promise<void> {
  for (const [i, f] of files.entries()) {
    const src = sources[i]!;
    const dest = join(root, f.dest);
    await mkdir(dirname(dest), { recursive: true });
    const st = await stat(src);
    if (st.isDirectory()) {
      await rm(dest, { recursive: true, force: true });
      await cp(src, dest, { recursive: true });
      await run(['chown', '-R', '0:0', dest]);
    } else {
      await copyFile(src, dest);
      await chmod(dest, parseMode(f.mode, 0o644));
    }
  }
}

async function buildServiceLayer(a: {
  recipe: ImageRecipe;
  sources: string[];
  key: string;
  base: BaseMeta & { root: string };
  cacheDir: string;
  aptBinds: BindMount[];
  log: (l: string, s?: 'stdout' | 'info') => void;
  signal?: AbortSignal;
}): Promise<LayerMeta> {
  const { recipe, log } = a;
  const work = join(a.cacheDir, 'work', recipe.name);
  await removeBuildDir(work);
  const dirs = { lower: a.base.root, upper: join(work, 'upper'), work: join(work, 'work'), merged: join(work, 'merged') };
  const unmount = await mountOverlay(dirs);
  let user: string | undefined;
  let packages: string[];
  try {
    const root = dirs.merged;
    await withChrootMounts(root, a.aptBinds, async () => {
      const opts = { onLine: (l: string) => log(l), signal: a.signal };
      for (const argv of recipe.preInstall) await runInChroot(root, argv, opts);
      if (recipe.packages.length) {
        log(`apt-get install ${recipe.packages.join(' ')}`, 'info');
        await runInChroot(root, ['apt-get', 'update', '-q'], opts);
        await runInChroot(root, ['apt-get', 'install', '-y', '-q', ...recipe.packages], opts);
      }
      await copyRecipeFiles(root, recipe.files, a.sources);
      for (const argv of recipe.postInstall) await runInChroot(root, argv, opts);
      await runInChroot(root, ['sh', '-c', CLEANUP], opts);
    });
    user = recipe.config.user ? await resolveUser(root, recipe.config.user) : undefined;
    packages = (await runInChroot(root, ['dpkg-query', '-W', '-f', '${Package} ${Version}\n'])).trim().split('\n');
  } finally {
    await unmount();
  }
  const opaque = parseOpaqueDirs(await overlayOpaqueDirs(dirs.upper), dirs.upper);
  const entries = await collectLayerEntries(dirs.upper, { whiteouts: 'overlay', opaqueDirs: opaque, lowerRoot: a.base.root, exclude: (p) => NEVER_CONTENT.test(p), signal: a.signal });
  log(`writing the ${recipe.name} layer (${entries.length} entries)`, 'info');
  const file = join(a.cacheDir, 'layers', `${recipe.name}-${short(a.key)}.tar.gz`);
  const layer = await writeLayer(entries, file, { signal: a.signal });
  await removeBuildDir(work);
  return { key: a.key, layer, user, packages };
}
