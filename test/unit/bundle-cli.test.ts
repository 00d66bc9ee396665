import { spawnSync } from 'node:child_process';
import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, type Fixture, flipByte, makeFixture } from './bundle-support.js';

// Exit codes and messages of the real `appliance` command (node bin/appliance.js).
const root = join(import.meta.dirname, '..', '..');
function appliance(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'appliance.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture({ bigBytes: 1024 * 1024 });
});
afterAll(async () => f?.cleanup());

describe('appliance bundle (CLI)', () => {
  it('keygen writes a 0600 private key and prints the key id', async () => {
    const r = appliance(['bundle', 'keygen', '--out', join(f.root, 'cli-keys'), '--name', 'cli', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(out.privateKeyFile)).mode & 0o777).toBe(0o600);
    expect(appliance(['bundle', 'keygen', '--out', join(f.root, 'cli-keys'), '--name', 'cli']).code).not.toBe(0);
  });

  it('build, verify (exit 0), then a corrupted blob fails with exit 1 naming the artifact', async () => {
    const out = join(f.root, 'cli.tar');
    const b = appliance(['bundle', 'build', f.specFile, '--out', out, '--sign', f.key.privateKeyFile, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const built = JSON.parse(b.stdout);
    const cache = ['--cache-dir', f.cacheDir, '--trust', f.key.publicKeyFile];
    const ok = appliance(['bundle', 'verify', out, ...cache]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/signature: trusted \(test-signer\)/);
    expect(ok.stdout).toMatch(/^OK: 3 artifacts/m);
    const inspect = appliance(['bundle', 'inspect', out, ...cache, '--json']);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ name: 'test', verification: 'verified', signature: { status: 'trusted' } });

    const tarBytes = await import('node:fs/promises').then((fs) => fs.readFile(out));
    const sha = built.artifacts.find((a: { ref: string }) => a.ref === 'big-tool@1.0').sha256;
    await flipByte(out, tarBytes.indexOf(Buffer.from(`blobs/sha256/${sha}`)) + 512 + 500_000);
    const bad = appliance(['bundle', 'verify', out, ...cache]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/binary big-tool@1\.0 \(blobs\/sha256\/[0-9a-f]{64}\): blob .* has SHA-256 .* expected/);
    const json = JSON.parse(appliance(['bundle', 'verify', out, ...cache, '--json']).stdout);
    expect(json).toMatchObject({ ok: false, signature: { status: 'trusted', keyName: 'test-signer' } });
  });

  it('refuses an unsigned bundle unless --allow-unsigned, which it reports loudly', async () => {
    const built = await buildFixture(f, 'cli-unsigned', { sign: false });
    const refused = appliance(['bundle', 'verify', built.out, '--cache-dir', f.cacheDir]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/UNSIGNED/);
    const allowed = appliance(['bundle', 'verify', built.out, '--cache-dir', f.cacheDir, '--allow-unsigned', '--json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ ok: true, acceptedUnsigned: true, signature: { status: 'unsigned' } });
    expect(appliance(['bundle', 'verify', built.out, '--cache-dir', f.cacheDir, '--allow-unsigned']).stdout).toMatch(/ACCEPTED WITHOUT A TRUSTED SIGNATURE/);
  });

  it('a missing part of a split bundle: exit 1 naming the part', async () => {
    const built = await buildFixture(f, 'cli-split/x.tar', { maxPartSize: 1024 * 1024 });
    await unlink(join(f.root, 'cli-split', 'x.tar.part-002'));
    const r = appliance(['bundle', 'verify', built.out, '--cache-dir', f.cacheDir, '--trust', f.key.publicKeyFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/part x\.tar\.part-002 is missing/);
  });

  it('a spec naming a file that does not exist: non-zero exit naming the artifact; dry run lists the plan', async () => {
    const { writeFile } = await import('node:fs/promises');
    const spec = join(f.root, 'gone.bundle.yaml');
    await writeFile(spec, 'schemaVersion: 1\nname: g\nversion: 1.0.0\ntopologies: [single]\ncomponents:\n  - name: c\n    artifacts:\n      - kind: asset\n        ref: gone.yml\n        source: { file: gone.yml }\n');
    const r = appliance(['bundle', 'build', spec, '--out', join(f.root, 'gone-out')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/asset gone\.yml .*does not exist/);
    // The hospital spec's Docker Engine packages carry placeholder digests until the build
    // machine fills them in: the dry run lists everything and names exactly those as blockers.
    const dry = appliance(['bundle', 'build', 'bundles/hospital-erp.bundle.yaml', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(1);
    const blockers = dry.stdout.split('\n').filter((l) => l.startsWith('BLOCKS BUILD'));
    expect(blockers).toHaveLength(5);
    expect(blockers.every((l) => /docker|containerd/.test(l) && /placeholder/.test(l))).toBe(true);
    expect(dry.stdout).toMatch(/postgres:16\.6-alpine\s+docker pull, then docker save/);
    expect(dry.stdout).toMatch(/k3s@v1\.36\.4\+k3s1\s+download, check sha256/);
  });
});
