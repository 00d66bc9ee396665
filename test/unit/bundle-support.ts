// Helpers for the bundle tests: small generated bundles in temp folders, signed with a key
// generated per test run (no private key is kept in the repository).
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, generateSigningKey } from '../../electron/engine/bundle/index.js';
import { canonicalJson } from '../../electron/engine/bundle/canonical-json.js';
import { loadSigningKey, signManifest } from '../../electron/engine/bundle/keys.js';

export interface Fixture {
  root: string;
  specFile: string;
  key: { privateKeyFile: string; publicKeyFile: string; keyId: string };
  cacheDir: string;
  /** Options for verifyBundle that trust the fixture key. */
  trust: { trust: string[]; trustDirs: string[]; cacheDir: string };
  cleanup(): Promise<void>;
}

/** A spec with three artifacts (one large enough to have a "middle"), plus a chart folder. */
export async function makeFixture(opts: { bigBytes?: number } = {}): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'bundle-test-'));
  await mkdir(join(root, 'src', 'chart', 'web', 'templates'), { recursive: true });
  await writeFile(join(root, 'src', 'big.bin'), randomBytes(opts.bigBytes ?? 3 * 1024 * 1024 + 17));
  await writeFile(join(root, 'src', 'compose.yml'), 'services: {}\n');
  await writeFile(join(root, 'src', 'chart', 'web', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.2.3\n');
  await writeFile(join(root, 'src', 'chart', 'web', 'templates', 'cm.yaml'), 'kind: ConfigMap\n');
  const specFile = join(root, 'test.bundle.yaml');
  await writeFile(
    specFile,
    `schemaVersion: 1
name: test
version: 1.0.0
description: test bundle
topologies: [single, k3s-3]
components:
  - name: app
    description: the app
    artifacts:
      - kind: binary
        ref: big-tool@1.0
        source: { file: src/big.bin }
        target: /usr/local/bin/big-tool
      - kind: chart
        ref: web-1.2.3
        source: { dir: src/chart/web }
        topologies: [k3s-3]
  - name: config
    artifacts:
      - kind: asset
        ref: compose/docker-compose.yml
        source: { file: src/compose.yml }
        topologies: [single]
`,
  );
  const key = await generateSigningKey(join(root, 'keys'), 'test-signer');
  const cacheDir = join(root, 'cache');
  return {
    root,
    specFile,
    key,
    cacheDir,
    trust: { trust: [key.publicKeyFile], trustDirs: [], cacheDir },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Builds the fixture's bundle to `out` (folder, .tar, or parts with maxPartSize), signed. */
export async function buildFixture(f: Fixture, out: string, extra: { maxPartSize?: number; sign?: boolean } = {}) {
  return buildBundle(f.specFile, { out: join(f.root, out), sign: extra.sign === false ? undefined : f.key.privateKeyFile, maxPartSize: extra.maxPartSize });
}

/** Rewrites a folder bundle's manifest.json with `edit` and re-signs it with the fixture key. */
export async function editAndResign(f: Fixture, dir: string, edit: (m: Record<string, unknown> & { artifacts: Record<string, unknown>[] }) => void): Promise<void> {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  edit(m);
  const bytes = Buffer.from(canonicalJson(m));
  await writeFile(join(dir, 'manifest.json'), bytes);
  await writeFile(join(dir, 'manifest.sig'), canonicalJson(signManifest(bytes, await loadSigningKey(f.key.privateKeyFile))));
}

/** Flips one byte at `offset` of a file. */
export async function flipByte(file: string, offset: number): Promise<void> {
  const { open } = await import('node:fs/promises');
  const fh = await open(file, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, offset);
  b[0] = b[0]! ^ 0xff;
  await fh.write(b, 0, 1, offset);
  await fh.close();
}
