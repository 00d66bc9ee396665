/**
 * The handle the install engine will use: a verified bundle's artifact streamed over a real SSH
 * exec channel (`cat > file`, the design's fast path) to a lab node, where sha256sum must give
 * the manifest's digest. And a bundle that failed verification hands out nothing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildBundle, generateSigningKey, openVerifiedBundle, verifyBundle } from '../../electron/engine/bundle/index.js';
import { describeWithLab, nodeExec, sshArgs, testLab, type LabNode } from './support/lab.js';

const REMOTE = '/tmp/bundle-artifact-transfer.bin';

describeWithLab('bundle artifacts to a lab node', () => {
  let root: string;
  let node: LabNode;
  let opts: { trust: string[]; trustDirs: string[]; cacheDir: string };
  let bundle: string;

  beforeAll(async () => {
    node = (await testLab()).nodes[0]!;
    root = await mkdtemp(join(tmpdir(), 'bundle-it-'));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src', 'payload.bin'), randomBytes(32 * 1024 * 1024 + 3));
    await writeFile(
      join(root, 'it.bundle.yaml'),
      'schemaVersion: 1\nname: it\nversion: 1.0.0\ntopologies: [single]\ncomponents:\n  - name: c\n    artifacts:\n      - kind: binary\n        ref: payload@1\n        source: { file: src/payload.bin }\n',
    );
    const key = await generateSigningKey(join(root, 'keys'), 'it');
    opts = { trust: [key.publicKeyFile], trustDirs: [], cacheDir: join(root, 'cache') };
    bundle = (await buildBundle(join(root, 'it.bundle.yaml'), { out: join(root, 'it.tar'), sign: key.privateKeyFile })).out;
  });

  afterAll(async () => {
    if (node) await nodeExec(node, ['rm', '-f', REMOTE], { reject: false });
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('streams a verified artifact from inside the tar to the node byte for byte', async () => {
    await expect(openVerifiedBundle(bundle, opts)).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect((await verifyBundle(bundle, opts)).ok).toBe(true);
    const b = await openVerifiedBundle(bundle, opts);
    const a = b.artifact('payload@1');
    const ssh = spawn('ssh', [...sshArgs(node), `cat > ${REMOTE}`], { stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((r) => ssh.on('close', r));
    await pipeline(b.artifactStream(a.ref), ssh.stdin);
    expect(await exited).toBe(0);
    const sum = await nodeExec(node, ['sha256sum', REMOTE]);
    expect(sum.stdout.split(' ')[0]).toBe(a.sha256);
  });
});
