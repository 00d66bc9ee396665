import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, loadSpec, parseSize, planBuild, verifyBundle } from '../../electron/engine/bundle/index.js';
import { buildFixture, type Fixture, makeFixture } from './bundle-support.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture({ bigBytes: 2 * 1024 * 1024 + 5 });
});
afterAll(async () => f?.cleanup());

async function tarNames(data: Buffer): Promise<{ name: string; mtime?: Date; uid?: number; mode?: number }[]> {
  const out: { name: string; mtime?: Date; uid?: number; mode?: number }[] = [];
  const ex = tarStream.extract();
  const done = (async () => {
    for await (const e of ex) {
      out.push({ name: e.header.name, mtime: e.header.mtime, uid: e.header.uid, mode: e.header.mode });
      e.resume();
    }
  })();
  ex.end(data);
  await done;
  return out;
}

describe('buildBundle', () => {
  it('writes manifest.json, manifest.sig and blobs by digest, storing identical blobs once', async () => {
    await writeFile(join(f.root, 'src', 'copy.yml'), 'services: {}\n');
    const spec = (await readFile(f.specFile, 'utf8')) + `      - kind: asset\n        ref: compose/copy.yml\n        source: { file: src/copy.yml }\n`;
    const specFile = join(f.root, 'dedupe.bundle.yaml');
    await writeFile(specFile, spec);
    const r = await buildBundle(specFile, { out: join(f.root, 'dedupe'), sign: f.key.privateKeyFile });
    expect(r.artifacts).toHaveLength(4);
    expect(r.blobs).toBe(3);
    expect(r.artifacts.find((a) => a.ref === 'compose/copy.yml')?.deduplicated).toBe(true);
    const files = (await readdir(join(r.out, 'blobs', 'sha256'))).sort();
    expect(files).toEqual([...new Set(r.artifacts.map((a) => a.sha256))].sort());
    for (const hex of files) {
      expect(createHash('sha256').update(await readFile(join(r.out, 'blobs', 'sha256', hex))).digest('hex')).toBe(hex);
    }
    const m = JSON.parse(await readFile(join(r.out, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({ schemaVersion: 1, name: 'test', version: '1.0.0', topologies: ['k3s-3', 'single'] });
    expect(m.artifacts[0]).toEqual(expect.objectContaining({ kind: expect.any(String), ref: expect.any(String), path: expect.stringMatching(/^blobs\/sha256\/[0-9a-f]{64}$/), size: expect.any(Number), sha256: expect.any(String), mediaType: expect.any(String) }));
    expect(JSON.stringify(m)).not.toContain(f.root); // no absolute paths
    const sig = JSON.parse(await readFile(join(r.out, 'manifest.sig'), 'utf8'));
    expect(sig).toMatchObject({ alg: 'ed25519', keyId: f.key.keyId });
  });

  it('is deterministic: identical inputs give identical manifest and tar bytes apart from created', async () => {
    const a = await buildBundle(f.specFile, { out: join(f.root, 'det-a'), created: new Date('2026-01-01T00:00:00Z') });
    const b = await buildBundle(f.specFile, { out: join(f.root, 'det-b'), created: new Date('2026-01-01T00:00:00Z') });
    const c = await buildBundle(f.specFile, { out: join(f.root, 'det-c') });
    const ma = await readFile(join(a.out, 'manifest.json'), 'utf8');
    expect(await readFile(join(b.out, 'manifest.json'), 'utf8')).toBe(ma);
    const mc = await readFile(join(c.out, 'manifest.json'), 'utf8');
    expect(mc.replace(/"created": "[^"]+"/, '')).toBe(ma.replace(/"created": "[^"]+"/, ''));
    const t1 = await buildBundle(f.specFile, { out: join(f.root, 'det-1.tar'), created: new Date('2026-01-01T00:00:00Z') });
    const t2 = await buildBundle(f.specFile, { out: join(f.root, 'det-2.tar'), created: new Date('2026-01-01T00:00:00Z') });
    expect((await readFile(t1.out)).equals(await readFile(t2.out))).toBe(true);
  });

  it('packages a chart folder deterministically under NAME/ with fixed owners and mtimes', async () => {
    const r = await buildBundle(f.specFile, { out: join(f.root, 'chart-check') });
    const chart = r.artifacts.find((a) => a.kind === 'chart')!;
    const entries = await tarNames(gunzipSync(await readFile(join(r.out, 'blobs', 'sha256', chart.sha256))));
    expect(entries.map((e) => e.name)).toEqual(['web/Chart.yaml', 'web/templates/cm.yaml']);
    expect(entries.every((e) => e.uid === 0 && e.mtime?.toISOString() === '2000-01-01T00:00:00.000Z' && e.mode === 0o644)).toBe(true);
  });

  it('writes a tar with manifest first, and parts whose concatenation is the tar', async () => {
    const t = await buildFixture(f, 'order.tar');
    const names = (await tarNames(await readFile(t.out))).map((e) => e.name);
    expect(names.slice(0, 2)).toEqual(['manifest.json', 'manifest.sig']);
    expect(names.slice(2)).toEqual([...names.slice(2)].sort());
    const p = await buildFixture(f, 'parts/order.tar', { maxPartSize: parseSize('1M') });
    expect(p.out).toBe(join(f.root, 'parts', 'order.parts.json'));
    const parts = p.parts!;
    const whole = Buffer.concat(await Promise.all(parts.parts.map((x) => readFile(join(f.root, 'parts', x.file)))));
    expect(whole.length).toBe(parts.size);
    expect(createHash('sha256').update(whole).digest('hex')).toBe(parts.sha256);
    expect(parts.parts.slice(0, -1).every((x) => x.size === 1024 * 1024)).toBe(true);
    expect(parts.parts.map((x) => x.file)[0]).toBe('order.tar.part-001');
  });

  it('refuses to overwrite without force, and needs .tar for parts', async () => {
    await buildFixture(f, 'exists');
    await expect(buildFixture(f, 'exists')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(buildFixture(f, 'notar', { maxPartSize: 1 << 20 })).rejects.toThrow(/ending in \.tar/);
  });

  it('downloads url sources and checks their sha256 (loopback server)', async () => {
    const body = Buffer.from('#!/bin/sh\necho k3s\n');
    const server: Server = createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/k3s`;
    try {
      const good = createHash('sha256').update(body).digest('hex');
      const mk = async (sha: string, name: string) => {
        const file = join(f.root, `${name}.bundle.yaml`);
        await writeFile(file, `schemaVersion: 1\nname: ${name}\nversion: 1.0.0\ntopologies: [k3s-3]\ncomponents:\n  - name: k3s\n    artifacts:\n      - kind: binary\n        ref: k3s@v1\n        source: { url: "${url}", sha256: "${sha}" }\n`);
        return file;
      };
      const r = await buildBundle(await mk(good, 'urlok'), { out: join(f.root, 'urlok') });
      expect(r.artifacts[0]).toMatchObject({ sha256: good, size: body.length });
      await expect(buildBundle(await mk('0'.repeat(64), 'urlbad'), { out: join(f.root, 'urlbad') })).rejects.toThrow(/binary k3s@v1 .*pins 0000/);
      await expect(buildBundle(await mk('PLACEHOLDER-fill-on-build-machine', 'urlph'), { out: join(f.root, 'urlph') })).rejects.toThrow(/binary k3s@v1 .*placeholder/);
      await expect(stat(join(f.root, 'urlbad'))).rejects.toThrow();
    } finally {
      server.close();
    }
  });

  it('accepts a docker-archive tagged with the ref and refuses one tagged otherwise or not an archive', async () => {
    const pack = tarStream.pack();
    const manifest = JSON.stringify([{ Config: 'c.json', RepoTags: ['airgap/web:1.0'], Layers: [] }]);
    pack.entry({ name: 'c.json' }, '{}');
    pack.entry({ name: 'manifest.json' }, manifest);
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    await mkdir(join(f.root, 'img'), { recursive: true });
    await writeFile(join(f.root, 'img', 'web.tar'), Buffer.concat(chunks));
    await writeFile(join(f.root, 'img', 'not-an-image.tar'), Buffer.alloc(2048));
    const mk = async (ref: string, file: string, name: string) => {
      const spec = join(f.root, `${name}.bundle.yaml`);
      await writeFile(spec, `schemaVersion: 1\nname: ${name}\nversion: 1.0.0\ntopologies: [single]\ncomponents:\n  - name: web\n    artifacts:\n      - kind: image\n        ref: ${ref}\n        source: { archive: img/${file} }\n`);
      return spec;
    };
    const ok = await buildBundle(await mk('airgap/web:1.0', 'web.tar', 'imgok'), { out: join(f.root, 'imgok'), sign: f.key.privateKeyFile });
    expect(ok.artifacts[0]?.kind).toBe('image');
    expect((await verifyBundle(ok.out, f.trust)).ok).toBe(true);
    await expect(buildBundle(await mk('airgap/web:2.0', 'web.tar', 'imgbad'), { out: join(f.root, 'imgbad') })).rejects.toThrow(/image airgap\/web:2.0 .*tagged airgap\/web:1.0, not airgap\/web:2.0/);
    await expect(buildBundle(await mk('x:1', 'not-an-image.tar', 'imgnot'), { out: join(f.root, 'imgnot') })).rejects.toThrow(/not a docker-archive/);
  });
});

describe('bundle specs', () => {
  const write = async (name: string, text: string) => {
    const file = join(f.root, `${name}.bundle.yaml`);
    await writeFile(file, text);
    return file;
  };
  const head = 'schemaVersion: 1\nname: s\nversion: 1.0.0\ntopologies: [single]\ncomponents:\n  - name: c\n    artifacts:\n';

  it('reports the line, column and field of each problem', async () => {
    const file = await write('bad1', head + '      - kind: image\n        ref: x:1\n        source: { file: a.tar }\n      - kind: tool\n        ref: y\n        source: { file: a }\n');
    const err = await loadSpec(file).catch((e) => e);
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain(`${file}:10:25: components[0].artifacts[0].source.file: an image cannot come from "file"`);
    expect(err.message).toMatch(new RegExp(`${file}:11:\\d+: components\\[0\\]\\.artifacts\\[1\\]\\.kind:`));
    expect(err.details.issues).toHaveLength(2);
  });

  it('names a missing required field at its parent, unknown keys, duplicate refs and foreign topologies', async () => {
    const missing = await loadSpec(await write('bad2', 'schemaVersion: 1\nname: s\ntopologies: [single]\ncomponents: []\n')).catch((e) => e);
    expect(missing.message).toMatch(/:1:1: version:/);
    const unknown = await loadSpec(await write('bad3', head + '      - kind: asset\n        ref: a\n        source: { file: a }\n        colour: red\n')).catch((e) => e);
    expect(unknown.message).toMatch(/components\[0\]\.artifacts\[0\]: Unrecognized key.*colour/);
    const dup = await loadSpec(await write('bad4', head + '      - kind: asset\n        ref: a\n        source: { file: a }\n      - kind: asset\n        ref: a\n        source: { file: b }\n        topologies: [k3s-3]\n')).catch((e) => e);
    expect(dup.message).toMatch(/:12:\d+: components\[0\]\.artifacts\[1\]\.ref: ref "a" is already used/);
    expect(dup.message).toMatch(/artifacts\[1\]\.topologies: "k3s-3" is not one of the bundle's topologies/);
    const yamlErr = await loadSpec(await write('bad5', 'schemaVersion: 1\nname: [\n')).catch((e) => e);
    expect(yamlErr.message).toMatch(/bad5\.bundle\.yaml:\d+:\d+: \(yaml\)/);
  });

  it('refuses a spec referencing a file that does not exist, naming the artifact', async () => {
    const file = await write('missing', head + '      - kind: asset\n        ref: gone.yml\n        source: { file: nowhere/gone.yml }\n');
    const err = await buildBundle(file, { out: join(f.root, 'never') }).catch((e) => e);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/asset gone\.yml \(.*missing\.bundle\.yaml:8\): file source nowhere\/gone\.yml does not exist/);
    const plan = await planBuild(file);
    expect(plan.entries[0]?.problem).toMatch(/does not exist/);
  });

  it('the hospital spec is valid and its dry run lists every image and the K3s files', async () => {
    const plan = await planBuild(join(import.meta.dirname, '..', '..', 'bundles', 'hospital-erp.bundle.yaml'));
    const refs = plan.entries.map((e) => e.ref);
    for (const img of ['postgres:16', 'redis:7', 'prometheus', 'grafana', 'alertmanager', 'node-exporter', 'postgres-exporter', 'redis_exporter', 'nginx']) {
      expect(refs.some((r) => r.includes(img)), img).toBe(true);
    }
    expect(plan.entries.filter((e) => e.kind === 'image').every((e) => e.action.startsWith('docker pull'))).toBe(true);
    expect(plan.entries.some((e) => e.ref.startsWith('k3s@'))).toBe(true);
    expect(plan.entries.filter((e) => e.source.startsWith('url')).length).toBeGreaterThanOrEqual(3);
    // Docker Engine for Ubuntu 22.04 (single topology): present, and blocked until its digests are filled in.
    const docker = plan.entries.filter((e) => /^(docker-ce|docker-ce-cli|containerd\.io|docker-compose-plugin|docker-buildx-plugin)@/.test(e.ref));
    expect(docker).toHaveLength(5);
    expect(docker.every((e) => /placeholder/.test(e.problem ?? ''))).toBe(true);
    expect(plan.entries.filter((e) => e.problem).length).toBe(5);
  });

  it('parses part sizes', () => {
    expect(parseSize('4G')).toBe(4 * 1024 ** 3);
    expect(parseSize('4095M')).toBe(4095 * 1024 ** 2);
    expect(parseSize('1536k')).toBe(1536 * 1024);
    expect(() => parseSize('4X')).toThrow(/not a size/);
  });
});
