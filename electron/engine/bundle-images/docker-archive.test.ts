import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDockerArchive } from './docker-archive.js';
import { buildImageConfig } from './image-config.js';
import { collectLayerEntries, parseOpaqueDirs } from './layer-entries.js';
import { writeLayer } from './layer-tar.js';
import { inspectDockerArchive } from './read-docker-archive.js';

interface Entry {
  name: string;
  type: string | null | undefined;
  mode: number | undefined;
  uid: number | undefined;
  mtime: number | undefined;
  linkname: string | null | undefined;
  body: Buffer;
}

async function readTar(buf: Buffer): Promise<Entry[]> {
  const out: Entry[] = [];
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ name: h.name, type: h.type, mode: h.mode, uid: h.uid, mtime: h.mtime?.getTime(), linkname: h.linkname, body: Buffer.concat(chunks) });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([buf]).pipe(ex);
  await done;
  return out;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('image layers and docker-archives', () => {
  let dir: string;
  let tree: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docker-archive-test-'));
    tree = join(dir, 'tree');
    await mkdir(join(tree, 'usr/bin'), { recursive: true });
    await mkdir(join(tree, 'etc'), { recursive: true });
    await writeFile(join(tree, 'usr/bin/tool'), '#!/bin/sh\necho hi\n');
    await chmod(join(tree, 'usr/bin/tool'), 0o4755);
    await writeFile(join(tree, 'etc/b.conf'), 'b');
    await writeFile(join(tree, 'etc/a.conf'), 'a');
    await writeFile(join(tree, 'etc/empty'), '');
    await link(join(tree, 'usr/bin/tool'), join(tree, 'usr/bin/tool-alias'));
    await symlink('../etc/a.conf', join(tree, 'usr/a-link'));
    await mkdir(join(tree, 'tmp-skip'));
    await writeFile(join(tree, 'tmp-skip/x'), 'x');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('collects entries parents first, siblings sorted, hard links and symlinks kept, excluded paths dropped', async () => {
    const entries = await collectLayerEntries(tree, { exclude: (p) => p === 'tmp-skip' });
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual([
      'directory:etc',
      'file:etc/a.conf',
      'file:etc/b.conf',
      'file:etc/empty',
      'directory:usr',
      'symlink:usr/a-link',
      'directory:usr/bin',
      'file:usr/bin/tool',
      'link:usr/bin/tool-alias',
    ]);
    const tool = entries.find((e) => e.path === 'usr/bin/tool');
    expect(tool?.mode).toBe(0o4755);
    expect(entries.find((e) => e.path === 'usr/bin/tool-alias')?.linkname).toBe('usr/bin/tool');
    expect(entries.find((e) => e.path === 'usr/a-link')?.linkname).toBe('../etc/a.conf');
  });

  it('writes the same bytes twice, with fixed mtimes, and a diff_id that is the sha256 of the uncompressed tar', async () => {
    const entries = await collectLayerEntries(tree);
    const a = await writeLayer(entries, join(dir, 'a.tar.gz'));
    const b = await writeLayer(entries, join(dir, 'b.tar.gz'));
    expect(a.digest).toBe(b.digest);
    const gz = await readFile(a.file);
    expect(sha(gz)).toBe(a.digest);
    const raw = gunzipSync(gz);
    expect(sha(raw)).toBe(a.diffId);
    expect(raw.length).toBe(a.tarSize);
    const listed = await readTar(raw);
    expect(listed.every((e) => e.mtime === 0)).toBe(true);
    expect(listed.find((e) => e.name === 'usr/bin/tool')?.body.toString()).toBe('#!/bin/sh\necho hi\n');
    expect(listed.find((e) => e.name === 'usr/bin/tool-alias')?.type).toBe('link');
    expect(listed.find((e) => e.name === 'etc/')?.type).toBe('directory');
  });

  it('an uncompressed layer has equal digest and diff_id', async () => {
    const l = await writeLayer(await collectLayerEntries(tree), join(dir, 'plain.tar'), { gzip: false });
    expect(l.digest).toBe(l.diffId);
    expect(l.compressed).toBe(false);
  });

  it('writes a docker-archive with a shared base layer stored once, and inspects it back with layer verification', async () => {
    const base = await writeLayer(await collectLayerEntries(join(tree, 'etc')), join(dir, 'base.tar.gz'));
    const top = await writeLayer(await collectLayerEntries(join(tree, 'usr')), join(dir, 'top.tar.gz'));
    const cfg = (layers: typeof base[]) =>
      buildImageConfig({
        created: '2025-01-01T00:00:00Z',
        config: { Cmd: ['/bin/true'], ExposedPorts: { '80/tcp': {}, '443/tcp': {} } },
        layers: layers.map((l, i) => ({ diffId: l.diffId, createdBy: `layer ${i}` })),
      });
    const out = join(dir, 'two.tar');
    const res = await writeDockerArchive(out, [
      { repoTags: ['demo/one:1'], config: cfg([base]), layers: [base] },
      { repoTags: ['demo/two:1'], config: cfg([base, top]), layers: [base, top] },
    ]);
    const files = await readTar(await readFile(out));
    expect(files.map((f) => f.name).filter((n) => n.endsWith('.tar.gz'))).toHaveLength(2);
    const manifest = JSON.parse(files.find((f) => f.name === 'manifest.json')!.body.toString()) as { RepoTags: string[]; Layers: string[] }[];
    expect(manifest[1]!.Layers[0]).toBe(manifest[0]!.Layers[0]);
    expect(sha(await readFile(out))).toBe(res.sha256);

    const images = await inspectDockerArchive(out, { verifyLayers: true });
    expect(images.map((i) => i.repoTags[0])).toEqual(['demo/one:1', 'demo/two:1']);
    expect(images[1]!.layers.map((l) => l.diffId)).toEqual([base.diffId, top.diffId]);
    expect(images[1]!.imageId).toBe(res.images[1]!.imageId);
    expect(images[0]!.config.config.Cmd).toEqual(['/bin/true']);

    const again = await writeDockerArchive(join(dir, 'two-again.tar'), [
      { repoTags: ['demo/one:1'], config: cfg([base]), layers: [base] },
      { repoTags: ['demo/two:1'], config: cfg([base, top]), layers: [base, top] },
    ]);
    expect(again.sha256).toBe(res.sha256);
  });

  it('refuses a config whose diff_ids do not match the layers, and detects a tampered layer on inspection', async () => {
    const base = await writeLayer(await collectLayerEntries(join(tree, 'etc')), join(dir, 'base2.tar.gz'));
    const bad = buildImageConfig({ created: '2025-01-01T00:00:00Z', config: {}, layers: [{ diffId: 'sha256:' + '0'.repeat(64), createdBy: 'x' }] });
    await expect(writeDockerArchive(join(dir, 'bad.tar'), [{ repoTags: ['x:1'], config: bad, layers: [base] }])).rejects.toMatchObject({ code: 'INTEGRITY' });

    // A layer whose recorded diff_id lies: the writer accepts it (it trusts its caller), inspection must not.
    const lying = { ...base, diffId: 'sha256:' + '1'.repeat(64) };
    const cfg = buildImageConfig({ created: '2025-01-01T00:00:00Z', config: {}, layers: [{ diffId: lying.diffId, createdBy: 'x' }] });
    const out = join(dir, 'lying.tar');
    await writeDockerArchive(out, [{ repoTags: ['x:1'], config: cfg, layers: [lying] }]);
    await expect(inspectDockerArchive(out)).resolves.toHaveLength(1);
    await expect(inspectDockerArchive(out, { verifyLayers: true })).rejects.toMatchObject({ code: 'INTEGRITY' });
  });

  it('parses opaque directories from getfattr output, including escaped names', () => {
    const out = [
      '# file: /up/etc/apt',
      'trusted.overlay.opaque="y"',
      '',
      '# file: /up/usr/share/with\\040space',
      'trusted.overlay.opaque="y"',
      '',
      '# file: /up/var',
      'trusted.overlay.origin=0sAPsd',
      '',
    ].join('\n');
    expect([...parseOpaqueDirs(out, '/up')]).toEqual(['etc/apt', 'usr/share/with space']);
  });

  it.skipIf(process.getuid?.() !== 0)('turns overlay whiteouts (0/0 character devices) into .wh. files (needs root for mknod)', async () => {
    const up = join(dir, 'upper');
    await mkdir(join(up, 'etc'), { recursive: true });
    execFileSync('mknod', [join(up, 'etc/gone.conf'), 'c', '0', '0']);
    const entries = await collectLayerEntries(up, { whiteouts: 'overlay', opaqueDirs: new Set(['etc']) });
    expect(entries.map((e) => e.path)).toEqual(['etc', 'etc/.wh..wh..opq', 'etc/.wh.gone.conf']);
    // A fresh directory (absent below) needs no opaque marker even if overlayfs flagged it.
    const fresh = await collectLayerEntries(up, { whiteouts: 'overlay', opaqueDirs: new Set(['etc']), lowerRoot: join(dir, 'no-such-lower') });
    expect(fresh.map((e) => e.path)).toEqual(['etc', 'etc/.wh.gone.conf']);
    const plain = await collectLayerEntries(up);
    expect(plain.map((e) => e.path)).toEqual(['etc']);
  });
});
