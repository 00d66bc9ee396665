import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImageConfig } from './image-config.js';
import { mountsUnder, parseDebianSources, resolveUser } from './debian-rootfs.js';
import { BaseRecipe, cacheKey, ImageRecipe, loadRecipe, resolveSource, toContainerConfig } from './recipe.js';

const REPO = resolve(import.meta.dirname, '../../..');
const IMAGES = join(REPO, 'bundles/demo/images');

describe('image recipes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recipe-test-'));
    await mkdir(join(dir, 'svc'));
    await writeFile(join(dir, 'svc/entry.sh'), '#!/bin/sh\nexec "$@"\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('every demo recipe in the repository is valid and names an airgap-demo image with tini as PID 1', async () => {
    const names = (await readdir(IMAGES, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name !== 'base').map((d) => d.name);
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const n of names) {
      const { recipe, dir: rdir } = await loadRecipe(join(IMAGES, n, 'image.yaml'), ImageRecipe);
      expect(recipe.name).toBe(n);
      expect(recipe.ref).toMatch(/^airgap-demo\//);
      expect(recipe.config.entrypoint?.[0]).toBe('/usr/bin/tini');
      expect(recipe.config.healthcheck).toBeDefined();
      for (const f of recipe.files) if (!f.src.startsWith('@')) expect(() => resolveSource(f.src, rdir)).not.toThrow();
    }
    const base = await loadRecipe(join(IMAGES, 'base.yaml'), BaseRecipe);
    expect(base.recipe.packages).toEqual(expect.arrayContaining(['tini', 'ca-certificates']));
  });

  it('rejects unknown fields and bad refs with the file and field named', async () => {
    const f = join(dir, 'bad.yaml');
    await writeFile(f, 'name: x\nref: NoTag\nconfig: {}\n');
    await expect(loadRecipe(f, ImageRecipe)).rejects.toThrow(/bad\.yaml: ref:/);
    await writeFile(f, 'name: x\nref: a/b:1\nconfig: { entrypoint: [x] }\nextra: 1\n');
    await expect(loadRecipe(f, ImageRecipe)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('keeps file sources inside the recipe folder and resolves @inputs', () => {
    expect(resolveSource('entry.sh', join(dir, 'svc'))).toBe(join(dir, 'svc/entry.sh'));
    expect(() => resolveSource('../bad.yaml', join(dir, 'svc'))).toThrow(/leaves the recipe folder/);
    expect(() => resolveSource('/etc/passwd', join(dir, 'svc'))).toThrow(/relative/);
    expect(resolveSource('@app/dist', dir, { app: '/stage' })).toBe('/stage/dist');
    expect(() => resolveSource('@app', dir, {})).toThrow(/@app/);
  });

  it('changes the cache key when a copied file changes, and only then', async () => {
    const parts = { text: 'name: x', sources: [join(dir, 'svc')], extra: { base: 'k1' } };
    const a = await cacheKey(parts);
    expect(await cacheKey(parts)).toBe(a);
    await writeFile(join(dir, 'svc/entry.sh'), '#!/bin/sh\nexec "$@" # changed\n');
    const b = await cacheKey(parts);
    expect(b).not.toBe(a);
    expect(await cacheKey({ ...parts, extra: { base: 'k2' } })).not.toBe(b);
  });

  it('turns recipe config into an image config with nanosecond healthcheck durations and stable key order', () => {
    const c = toContainerConfig(
      { entrypoint: ['/usr/bin/tini', '--'], cmd: ['x'], env: { B: '2', A: '1' }, ports: ['443/tcp', '80/tcp'], healthcheck: { test: ['probe'], intervalSeconds: 5, retries: 3 } },
      '101:102',
    );
    expect(c.Healthcheck).toEqual({ Test: ['CMD', 'probe'], Interval: 5_000_000_000, Timeout: undefined, StartPeriod: undefined, Retries: 3 });
    expect(c.User).toBe('101:102');
    const cfg = buildImageConfig({ created: '2025-01-01T00:00:00Z', architecture: 'amd64', config: c, layers: [{ diffId: 'sha256:aa', createdBy: 'x' }] });
    expect(Object.keys(cfg.config.ExposedPorts!)).toEqual(['443/tcp', '80/tcp']);
    expect(JSON.stringify(cfg)).toBe(JSON.stringify(buildImageConfig({ created: '2025-01-01T00:00:00Z', architecture: 'amd64', config: c, layers: [{ diffId: 'sha256:aa', createdBy: 'x' }] })));
    expect(cfg.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:aa'] });
  });

  it('finds the release mirror in a deb822 sources file, skipping security and updates', () => {
    const text = [
      'Types: deb',
      'URIs: http://mirror.invalid/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb',
      '# a comment',
      'URIs: http://mirror.invalid/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    expect(parseDebianSources(text)).toEqual({ mirror: 'http://mirror.invalid/debian', suite: 'bookworm' });
    expect(() => parseDebianSources('Types: deb-src\nURIs: x\nSuites: bookworm\n')).toThrow(/mirror/);
  });

  it('resolves user names to numeric uid:gid from the image root, not the host', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\npostgres:x:100:102::/var/lib/postgresql:/bin/bash\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nssl-cert:x:101:postgres\npostgres:x:102:\n');
    expect(await resolveUser(root, 'postgres')).toBe('100:102');
    expect(await resolveUser(root, 'postgres:ssl-cert')).toBe('100:101');
    expect(await resolveUser(root, '4242')).toBe('4242');
    await expect(resolveUser(root, 'nobody-here')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists mount points under a folder deepest first (so a leftover build mount is never deleted through)', async () => {
    expect(await mountsUnder('/proc')).toContain('/proc');
    expect(await mountsUnder(join(dir, 'nothing-mounted-here'))).toEqual([]);
  });
});
