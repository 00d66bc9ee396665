import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import tarStream from 'tar-stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../electron/api/dispatch.js';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import { buildFixture, type Fixture, makeFixture } from './bundle-support.js';

// The bundle calls through the same dispatcher the Electron and console hosts use.
let f: Fixture;
let dispatcher: ReturnType<typeof createDispatcher>;
let bundleDir: string;

beforeAll(async () => {
  f = await makeFixture({ bigBytes: 8 * 1024 * 1024 });
  const resourcesDir = join(f.root, 'resources');
  await mkdir(join(resourcesDir, 'bundles', 'trusted-keys'), { recursive: true });
  await copyFile(f.key.publicKeyFile, join(resourcesDir, 'bundles', 'trusted-keys', 'test-signer.pub.pem'));
  bundleDir = (await buildFixture(f, 'resources/bundles/shipped')).out;
  await buildFixture(f, 'usb/other.tar');
  await buildFixture(f, 'resources/bundles/out/nested');
  // A docker-archive is a tar with its own manifest.json, but not a bundle: not listed.
  await writeFile(join(f.root, 'usb', 'image.tar'), await dockerArchive());
  dispatcher = createDispatcher({ host: 'console', paths: { resourcesDir, dataDir: join(f.root, 'data') } });
});
afterAll(async () => f?.cleanup());

describe('bundle.* contract calls', () => {
  it('bundle.list finds shipped bundles and those in a given folder', async () => {
    const r = await dispatcher.dispatch('bundle.list', { task: 'l1', input: { dir: join(f.root, 'usb') } }, () => {});
    expect(r.ok).toBe(true);
    const found = (r as { value: { bundles: { path: string; layout: string; name?: string; signed: boolean }[] } }).value.bundles;
    expect(found.map((b) => [b.path.slice(f.root.length), b.layout, b.name, b.signed])).toEqual([
      ['/resources/bundles/out/nested', 'dir', 'test', true],
      ['/resources/bundles/shipped', 'dir', 'test', true],
      ['/usb/other.tar', 'tar', 'test', true],
    ]);
  });

  it('bundle.verify emits progress tagged with the task, trusts the shipped key, and bundle.inspect then says verified', async () => {
    const events: ApplianceEvent[] = [];
    const r = await dispatcher.dispatch('bundle.verify', { task: 'v1', input: { path: bundleDir } }, (e) => events.push(e));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ ok: true, signature: { status: 'trusted', keyName: 'test-signer' } });
    expect(events.some((e) => e.type === 'progress' && e.task === 'v1' && e.unit === 'bytes')).toBe(true);
    expect(events.every((e) => e.task === 'v1')).toBe(true);
    const i = await dispatcher.dispatch('bundle.inspect', { task: 'i1', input: { path: bundleDir } }, () => {});
    expect(i.ok && i.value).toMatchObject({ name: 'test', verification: 'verified', components: [{ name: 'app', artifacts: 2 }, { name: 'config', artifacts: 1 }] });
  });

  it('bundle.verify is cancellable through task.cancel', async () => {
    let cancelled = false;
    const r = await dispatcher.dispatch('bundle.verify', { task: 'v2', input: { path: bundleDir, full: true } }, (e) => {
      if (e.type === 'progress' && !cancelled) cancelled = dispatcher.cancel('v2');
    });
    expect(cancelled).toBe(true);
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('rejects unknown input fields and reports a missing bundle as NOT_FOUND', async () => {
    const bad = await dispatcher.dispatch('bundle.verify', { task: 'v3', input: { path: bundleDir, extra: 1 } }, () => {});
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const missing = await dispatcher.dispatch('bundle.inspect', { task: 'i2', input: { path: join(f.root, 'nope') } }, () => {});
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

async function dockerArchive(): Promise<Buffer> {
  const pack = tarStream.pack();
  pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'c.json', RepoTags: ['x:1'], Layers: [] }]));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
