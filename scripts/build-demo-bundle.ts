/**
 * `npm run bundle:demo`: builds the demo stack's images from Debian packages (no Docker daemon,
 * no registry), the host package sets (Docker Engine + Compose v2, fail2ban + nftables: tars of
 * .deb files with their dependencies, see demo-deb-sets.ts), then the signed demo bundle at
 * bundles/out/demo with `appliance bundle build`.
 * Cached: an unchanged image or package set is not rebuilt, an unchanged bundle is not rewritten.
 *
 *   node bin/tsx.js scripts/build-demo-bundle.ts [--only postgres,redis] [--images-only]
 *        [--rebuild] [--rebuild-base] [--out DIR] [--cache-dir DIR] [--verbose] [--json]
 *
 * Needs root on Linux and the apt packages debootstrap and attr (see .ci/apt-packages.txt).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import ts from 'typescript';
import { buildDebianImages, type BuiltImage } from '../electron/engine/bundle-images/index.js';
import type { ApplianceEvent } from '../electron/engine/events/index.js';
import { defaultAppPaths } from '../electron/main/app-paths.js';
import { buildDemoDebSets, type DemoDebSet } from './demo-deb-sets.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLES = join(REPO, 'bundles');
const SPEC = join(BUNDLES, 'demo.bundle.yaml');
const IMAGES = join(BUNDLES, 'demo/images');
const APP = join(BUNDLES, 'demo-app');
const DEFAULT_CACHE = process.env.AIRGAP_DEMO_BUILD_CACHE ?? '/var/lib/airgap-appliance/demo-build';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    'images-only': { type: 'boolean', default: false },
    rebuild: { type: 'boolean', default: false },
    'rebuild-base': { type: 'boolean', default: false },
    out: { type: 'string', default: join(BUNDLES, 'out/demo') },
    'cache-dir': { type: 'string', default: DEFAULT_CACHE },
    verbose: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const started = performance.now();
const elapsed = () => `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
const say = (line: string) => process.stderr.write(`${elapsed()} ${line}\n`);

function humanBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${u[i]}`;
}

/** Fails early, naming what to install, instead of dying halfway through debootstrap. */
async function checkPrerequisites(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new Error('run as root on Linux: the images are built with debootstrap, chroot and overlay mounts');
  }
  const missing: string[] = [];
  for (const [tool, pkg] of [
    ['debootstrap', 'debootstrap'],
    ['getfattr', 'attr'],
    ['chroot', 'coreutils'],
    ['mount', 'mount'],
  ] as const) {
    const r = await execa('sh', ['-c', 'command -v "$1"', 'sh', tool], { reject: false });
    if (r.exitCode !== 0) missing.push(pkg);
  }
  if (missing.length) throw new Error(`missing tools; install them with: apt-get install -y ${missing.join(' ')}`);
}

/**
 * Compiles the demo app (TypeScript, no dependencies) into `stage`: dist/*.js, public/,
 * package.json. Per-file transpilation is enough because the app has no type-only tricks
 * and root `tsc` type-checks it; output bytes only depend on the sources.
 */
async function stageDemoApp(stage: string): Promise<number> {
  await rm(stage, { recursive: true, force: true });
  await mkdir(join(stage, 'dist'), { recursive: true });
  let count = 0;
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      if ((await stat(full)).isDirectory()) {
        await walk(full);
        continue;
      }
      if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.endsWith('.d.ts')) continue;
      const out = ts.transpileModule(await readFile(full, 'utf8'), {
        fileName: full,
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false, removeComments: false, verbatimModuleSyntax: false },
      });
      const dest = join(stage, 'dist', relative(join(APP, 'src'), full)).replace(/\.ts$/, '.js');
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, out.outputText);
      count++;
    }
  }
  await walk(join(APP, 'src'));
  await cp(join(APP, 'public'), join(stage, 'public'), { recursive: true });
  await cp(join(APP, 'package.json'), join(stage, 'package.json'));
  return count;
}

async function hashTree(h: ReturnType<typeof createHash>, path: string): Promise<void> {
  const st = await stat(path);
  if (st.isDirectory()) {
    for (const n of (await readdir(path)).sort()) await hashTree(h, join(path, n));
  } else {
    h.update(`${relative(REPO, path)}\0`);
    h.update(await readFile(path));
  }
}

async function appliance(argv: string[], quiet: boolean): Promise<void> {
  const r = await execa(process.execPath, [join(REPO, 'bin/appliance.js'), ...argv], { cwd: REPO, reject: false, stdio: quiet ? 'pipe' : 'inherit' });
  if (r.exitCode !== 0) throw new Error(`appliance ${argv.slice(0, 2).join(' ')} failed (exit ${r.exitCode})${quiet ? `:\n${String(r.stderr)}` : ''}`);
}

/** Ctrl-C cancels cleanly: running commands are stopped and every mount is undone. */
const controller = new AbortController();
// A persistent listener: with none left, the tsx loader would exit at once, skipping cleanup.
process.on('SIGINT', () => {
  say(controller.signal.aborted ? 'still cleaning up, please wait...' : 'cancelling (unmounting the build chroot)...');
  controller.abort();
});

async function main(): Promise<void> {
  await checkPrerequisites();
  const cacheDir = resolve(args['cache-dir']!);
  const out = resolve(args.out!);
  const outImages = join(BUNDLES, 'out/images');
  say(`cache ${cacheDir}`);

  const stage = join(cacheDir, 'app-stage');
  const compiled = await stageDemoApp(stage);
  say(`demo app compiled (${compiled} modules)`);

  const only = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : null;
  const recipes = (await readdir(IMAGES, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && existsSync(join(IMAGES, d.name, 'image.yaml')) && (!only || only.has(d.name)))
    .map((d) => join(IMAGES, d.name, 'image.yaml'))
    .sort();
  if (only && recipes.length !== only.size) throw new Error(`--only names unknown images; known: ${(await readdir(IMAGES)).filter((n) => existsSync(join(IMAGES, n, 'image.yaml'))).join(', ')}`);

  const stepStart = new Map<string, number>();
  const onEvent = (e: ApplianceEvent) => {
    if (e.type === 'step') {
      if (e.state === 'running') {
        stepStart.set(e.step, performance.now());
        say(`${e.step}: building ${e.title ?? ''}`.trimEnd());
      } else {
        const s = ((performance.now() - (stepStart.get(e.step) ?? performance.now())) / 1000).toFixed(1);
        say(`${e.step}: ${e.state === 'skipped' ? 'cached' : e.state}${e.error ? ` (${e.error.split('\n')[0]})` : ''} in ${s}s`);
      }
    } else if (e.type === 'log' && (args.verbose || e.stream !== 'stdout')) {
      say(`  ${e.line}`);
    }
  };
  const built = await buildDebianImages({
    baseRecipeFile: join(IMAGES, 'base.yaml'),
    recipeFiles: recipes,
    outDir: outImages,
    cacheDir,
    inputs: { app: stage },
    rebuild: args.rebuild,
    rebuildBase: args['rebuild-base'],
    onEvent,
    signal: controller.signal,
  });

  let debs: DemoDebSet[] = [];
  let bundle: { out: string; rebuilt: boolean; bytes: number } | null = null;
  if (!args['images-only'] && !only) {
    debs = await buildDemoDebSets({ images: built.images, cacheDir, outDir: join(BUNDLES, 'out/debs'), baseRecipeFile: join(IMAGES, 'base.yaml'), rebuild: args.rebuild, say, verbose: args.verbose, signal: controller.signal });
    bundle = await buildBundle(out, built.images, debs);
  }

  const seconds = (performance.now() - started) / 1000;
  if (args.json) {
    process.stdout.write(JSON.stringify({ seconds, baseSeconds: built.baseSeconds, baseCached: built.baseCached, images: built.images, debs, bundle }, null, 2) + '\n');
  } else {
    const rows = built.images.map((i: BuiltImage) => `  ${i.ref.padEnd(36)} ${i.status.padEnd(13)} ${humanBytes(i.size).padStart(10)}  ${i.seconds.toFixed(1).padStart(6)}s`);
    process.stdout.write(`images (${outImages}):\n${rows.join('\n')}\n`);
    process.stdout.write(`  total ${humanBytes(built.images.reduce((n, i) => n + i.size, 0))}\n`);
    if (debs.length) process.stdout.write(`package sets (${join(BUNDLES, 'out/debs')}):\n${debs.map((d) => `  ${d.name.padEnd(36)} ${(d.cached ? 'cached' : 'built').padEnd(13)} ${humanBytes(d.size).padStart(10)}  ${d.seconds.toFixed(1).padStart(6)}s  ${d.packages} debs`).join('\n')}\n`);
    if (bundle) process.stdout.write(`bundle ${bundle.out}: ${humanBytes(bundle.bytes)}${bundle.rebuilt ? '' : ' (unchanged)'}\n`);
    process.stdout.write(`done in ${seconds.toFixed(1)}s\n`);
  }
}

/** Signs with the demo key (created once in bundles/out/keys) and skips the build when nothing changed. */
async function buildBundle(out: string, images: BuiltImage[], debs: DemoDebSet[]): Promise<{ out: string; rebuilt: boolean; bytes: number }> {
  const keys = join(BUNDLES, 'out/keys');
  const key = join(keys, 'demo.key.pem');
  if (!existsSync(key)) {
    say('creating the demo signing key (bundles/out/keys/demo.key.pem)');
    await appliance(['bundle', 'keygen', '--out', keys, '--name', 'demo'], true);
  }
  await trustDemoKeyHere(join(keys, 'demo.pub.pem'));
  const h = createHash('sha256');
  // The bundle code that decides the manifest's content (e.g. the signed stack) counts as input too.
  const engine = ['build.ts', 'manifest.ts', 'spec.ts', 'stack.ts', 'primitives.ts'].map((f) => join(REPO, 'electron/engine/bundle', f));
  for (const p of [SPEC, join(BUNDLES, 'demo/chart'), join(BUNDLES, 'demo/README.txt'), key, ...engine]) await hashTree(h, p);
  for (const i of images) h.update(`${i.ref}\0${i.sha256}\0`);
  for (const d of debs) h.update(`${d.name}\0${d.sha256}\0`);
  const stamp = h.digest('hex');
  const stampFile = `${out}.stamp`;
  const previous = await readFile(stampFile, 'utf8').catch(() => '');
  let rebuilt = false;
  if (previous.trim() === stamp && existsSync(join(out, 'manifest.json'))) {
    say(`bundle unchanged: ${relative(REPO, out)}`);
  } else {
    say(`bundle build -> ${relative(REPO, out)} (signed with the demo key)`);
    await rm(stampFile, { force: true });
    await appliance(['bundle', 'build', SPEC, '--out', out, '--sign', key, '--force'], false);
    await writeFile(stampFile, stamp + '\n');
    rebuilt = true;
  }
  const r = await execa('du', ['-sb', out]);
  return { out, rebuilt, bytes: Number(String(r.stdout).split(/\s/)[0]) };
}

/**
 * The demo key signed a bundle built on this machine, so this machine trusts it: its public
 * part goes into the user's trusted-keys folder (never the shipped vendor folder). Elsewhere
 * the demo bundle shows as untrusted, as it should.
 */
async function trustDemoKeyHere(pub: string): Promise<void> {
  const dir = join(defaultAppPaths().dataDir, 'trusted-keys');
  const dest = join(dir, 'demo.pub.pem');
  const current = await readFile(dest, 'utf8').catch(() => '');
  const wanted = await readFile(pub, 'utf8');
  if (current === wanted) return;
  await mkdir(dir, { recursive: true });
  await writeFile(dest, wanted);
  say(`trusting the demo signing key on this machine: ${dest}`);
}

main().catch((e: unknown) => {
  say(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
