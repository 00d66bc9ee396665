import { spawnSync } from 'node:child_process';
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../electron/api/dispatch.js';
import { canonicalJson } from '../../electron/engine/bundle/canonical-json.js';
import { inspectBundle, verifyBundle } from '../../electron/engine/bundle/index.js';
import { loadSigningKey, signManifest } from '../../electron/engine/bundle/keys.js';
import { parseManifest } from '../../electron/engine/bundle/manifest.js';
import { isApplianceError } from '../../electron/engine/errors.js';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import { buildFixture, editAndResign, type Fixture, makeFixture } from './bundle-support.js';

// Hostile manifests, signed for real with the fixture key (so the signed path runs too), through
// the engine, the dispatcher the console uses, and the spawned `appliance` command: each ends in a
// typed INTEGRITY problem (exit 1) with every output bounded, never a crash or an echoed payload.
const root = join(import.meta.dirname, '..', '..');
const BOUND = 4096;
const DEPTH = 5000;
const HUGE = 15 * 1024 * 1024;

let f: Fixture;
let pristine: string;
let dispatcher: ReturnType<typeof createDispatcher>;
let n = 0;

beforeAll(async () => {
  f = await makeFixture({ bigBytes: 64 * 1024 });
  pristine = (await buildFixture(f, 'pristine')).out;
  const resourcesDir = join(f.root, 'resources');
  await mkdir(join(resourcesDir, 'bundles', 'trusted-keys'), { recursive: true });
  await copyFile(f.key.publicKeyFile, join(resourcesDir, 'bundles', 'trusted-keys', 'test-signer.pub.pem'));
  dispatcher = createDispatcher({ host: 'console', paths: { resourcesDir, dataDir: join(f.root, 'data') } });
});
afterAll(async () => f?.cleanup());

function appliance(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'appliance.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the pristine bundle whose manifest.json is `bytes`, signed with the fixture key. */
async function withManifest(bytes: Buffer): Promise<string> {
  const dir = join(f.root, `hostile-${++n}`);
  await cp(pristine, dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), bytes);
  await writeFile(join(dir, 'manifest.sig'), canonicalJson(signManifest(bytes, await loadSigningKey(f.key.privateKeyFile))));
  return dir;
}

/** The pristine manifest text with one field's JSON replaced by `json` (kept as raw text: no re-serialising). */
async function pristineWith(field: string, json: string): Promise<Buffer> {
  const m = JSON.parse(await readFile(join(pristine, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  m[field] = '@@HOLE@@';
  return Buffer.from(canonicalJson(m).replace('"@@HOLE@@"', json));
}

/** Runs verify and inspect through engine, dispatcher and CLI; checks the typed problem and every size. */
async function expectBoundedIntegrity(dir: string, message: RegExp): Promise<void> {
  const bytes = await readFile(join(dir, 'manifest.json'));
  let thrown: unknown;
  try {
    parseManifest(bytes);
  } catch (e) {
    thrown = e;
  }
  expect(isApplianceError(thrown) && thrown.code).toBe('INTEGRITY');
  expect((thrown as Error).message).toMatch(message);
  expect((thrown as Error).message.length).toBeLessThan(BOUND);
  expect(JSON.stringify((thrown as { details?: unknown }).details ?? null).length).toBeLessThan(BOUND);

  const events: ApplianceEvent[] = [];
  const v = await verifyBundle(dir, { ...f.trust, onEvent: (e) => events.push(e) });
  expect(v.ok).toBe(false);
  expect(v.problems).toEqual([expect.objectContaining({ code: 'manifest-invalid', message: expect.stringMatching(message) })]);
  expect(JSON.stringify(v).length).toBeLessThan(BOUND);
  expect(JSON.stringify(events).length).toBeLessThan(BOUND);
  const i = await inspectBundle(dir, f.trust);
  expect(i.problems).toEqual([expect.objectContaining({ code: 'manifest-invalid', message: expect.stringMatching(message) })]);
  expect(JSON.stringify(i).length).toBeLessThan(BOUND);

  for (const call of ['bundle.verify', 'bundle.inspect'] as const) {
    const ev: ApplianceEvent[] = [];
    const r = await dispatcher.dispatch(call, { task: `${call}-${n}`, input: { path: dir } }, (e) => ev.push(e));
    expect(r, JSON.stringify(r).slice(0, 500)).toMatchObject({ ok: true, value: { problems: [{ code: 'manifest-invalid' }] } });
    expect(JSON.stringify(r).length).toBeLessThan(BOUND);
    expect(JSON.stringify(ev).length).toBeLessThan(BOUND);
  }

  const cli = ['--trust', f.key.publicKeyFile, '--cache-dir', f.cacheDir];
  // Both commands, both output modes (two spawns per manifest: each reads it in full).
  for (const args of [['verify', dir, ...cli], ['inspect', dir, ...cli, '--json']]) {
    const r = appliance(['bundle', ...args]);
    expect(r.code, `${args.join(' ')}: ${r.stderr.slice(0, 500)}`).toBe(1);
    expect(r.stdout + r.stderr).toMatch(message);
    expect(r.stdout.length + r.stderr.length).toBeLessThan(BOUND);
  }
}

describe('hostile manifest.json (signed)', () => {
  it('schemaVersion nested 5,000 arrays deep: INTEGRITY "nests ... deep", no stack overflow', async () => {
    const dir = await withManifest(await pristineWith('schemaVersion', '['.repeat(DEPTH) + ']'.repeat(DEPTH)));
    expect((await readFile(join(dir, 'manifest.json'))).length).toBeLessThan(12 * 1024);
    await expectBoundedIntegrity(dir, /manifest\.json nests arrays or objects more than \d+ deep/);
  }, 120_000);

  it('a 15 MB string as schemaVersion: named, clipped with its length, never echoed', async () => {
    const dir = await withManifest(await pristineWith('schemaVersion', JSON.stringify('A'.repeat(HUGE))));
    await expectBoundedIntegrity(dir, /unknown schemaVersion \\?"A{200}… \(15728640 characters\)/);
  }, 180_000);

  it('a 15 MB unknown key: refused with the key clipped', async () => {
    const key = await withManifest(await pristineWith('B'.repeat(HUGE), '1'));
    await expectBoundedIntegrity(key, /manifest\.json: .*B{10}… \(\d+ characters\)/);
  }, 180_000);

  it('a 15 MB description: refused by its length limit, not echoed', async () => {
    const description = await withManifest(await pristineWith('description', JSON.stringify('C'.repeat(HUGE))));
    await expectBoundedIntegrity(description, /manifest\.json: description: .*4096/);
  }, 180_000);

  it('manifest.sig nested deep or carrying a huge alg: the signature is INVALID with a short message', async () => {
    const dir = join(f.root, `sig-${++n}`);
    await cp(pristine, dir, { recursive: true });
    await writeFile(join(dir, 'manifest.sig'), `{"alg":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`);
    const deep = await verifyBundle(dir, f.trust);
    expect(deep.signature).toMatchObject({ status: 'invalid', message: expect.stringMatching(/manifest\.sig nests/) });
    await writeFile(join(dir, 'manifest.sig'), JSON.stringify({ alg: 'D'.repeat(HUGE), keyId: 'k', signature: 's' }));
    const huge = await verifyBundle(dir, f.trust);
    expect(huge.signature.status).toBe('invalid');
    expect(JSON.stringify(huge).length).toBeLessThan(BOUND);
  });
});

describe('hostile NAME.parts.json', () => {
  it('nested deep or naming a huge part: INTEGRITY with a short message (engine and CLI exit 1)', async () => {
    const built = await buildFixture(f, `split-${++n}/x.tar`, { maxPartSize: 32 * 1024 });
    const partsJson = built.out;
    const good = JSON.parse(await readFile(partsJson, 'utf8')) as { parts: { file: string }[] };
    await writeFile(partsJson, `{"schemaVersion":1,"parts":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`);
    await expect(verifyBundle(partsJson, f.trust)).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringMatching(/x\.parts\.json nests arrays or objects more than \d+ deep/) });
    good.parts[0]!.file = `../${'E'.repeat(HUGE / 16)}`;
    await writeFile(partsJson, JSON.stringify(good));
    const cli = appliance(['bundle', 'verify', partsJson, '--trust', f.key.publicKeyFile, '--cache-dir', f.cacheDir]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/x\.parts\.json: parts\.0\.file: .*255/);
    expect(cli.stdout.length + cli.stderr.length).toBeLessThan(BOUND);
  }, 60_000);
});

describe('inspect reports what verify refuses (signed manifests)', () => {
  it('an artifact path escaping the bundle: verify and inspect both refuse it, CLI inspect exits 1', async () => {
    const dir = join(f.root, `escape-${++n}`);
    await cp(pristine, dir, { recursive: true });
    await editAndResign(f, dir, (m) => {
      m.artifacts[0]!.path = '../../../etc/passwd';
    });
    const v = await verifyBundle(dir, f.trust);
    expect(v.ok).toBe(false);
    expect(v.artifacts[0]).toMatchObject({ status: 'unsafe-path' });
    const i = await inspectBundle(dir, f.trust);
    expect(i.signature.status).toBe('trusted');
    expect(i.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'unsafe-path', path: '../../../etc/passwd', message: expect.stringMatching(/contains "\.\." \(escapes the bundle\)/) })]));
    const cli = appliance(['bundle', 'inspect', dir, '--trust', f.key.publicKeyFile, '--cache-dir', f.cacheDir]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/escapes the bundle/);
    const d = await dispatcher.dispatch('bundle.inspect', { task: `esc-${n}`, input: { path: dir } }, () => {});
    expect(d).toMatchObject({ ok: true, value: { problems: expect.arrayContaining([expect.objectContaining({ code: 'unsafe-path' })]) } });
  });

  it('a missing blob and an invalid signature are inspect problems too', async () => {
    const dir = join(f.root, `missing-${++n}`);
    await cp(pristine, dir, { recursive: true });
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { artifacts: { path: string }[] };
    const { unlink } = await import('node:fs/promises');
    await unlink(join(dir, m.artifacts[0]!.path));
    expect((await inspectBundle(dir, f.trust)).problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'missing' })]));
    await writeFile(join(dir, 'manifest.json'), (await readFile(join(dir, 'manifest.json'), 'utf8')).replace('test bundle', 'test bundlE'));
    expect((await inspectBundle(dir, f.trust)).problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'signature', message: expect.stringMatching(/INVALID SIGNATURE/) })]));
  });

  it('duplicate component names are refused like duplicate refs', async () => {
    const dir = join(f.root, `dup-${++n}`);
    await cp(pristine, dir, { recursive: true });
    await editAndResign(f, dir, (m) => {
      const components = m.components as { name: string }[];
      components.push({ ...components[0]! });
    });
    const v = await verifyBundle(dir, f.trust);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.objectContaining({ code: 'manifest-invalid', message: 'manifest.json: component name "app" appears twice.' })]);
    expect((await inspectBundle(dir, f.trust)).problems).toEqual([expect.objectContaining({ code: 'manifest-invalid', message: expect.stringMatching(/component name "app" appears twice/) })]);
    const cli = appliance(['bundle', 'inspect', dir, '--trust', f.key.publicKeyFile, '--cache-dir', f.cacheDir]);
    expect(cli.code).toBe(1);
  });
});
