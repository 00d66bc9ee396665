import { appendFile, mkdir, readdir, readFile, rm, stat, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import { generateSigningKey, openVerifiedBundle, verifyBundle } from '../../electron/engine/bundle/index.js';
import { buildFixture, editAndResign, type Fixture, flipByte, makeFixture } from './bundle-support.js';
import { cp } from 'node:fs/promises';

let f: Fixture;
let pristine: string;
let n = 0;

beforeAll(async () => {
  f = await makeFixture();
  pristine = (await buildFixture(f, 'pristine')).out;
});
afterAll(async () => f?.cleanup());

/** A fresh copy of the pristine folder bundle for one test to damage. */
async function copy(): Promise<string> {
  const dir = join(f.root, `copy-${++n}`);
  await cp(pristine, dir, { recursive: true });
  return dir;
}

async function blobOf(dir: string, ref: string): Promise<string> {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { artifacts: { ref: string; path: string }[] };
  return join(dir, m.artifacts.find((a) => a.ref === ref)!.path);
}

describe('verifyBundle: a good bundle', () => {
  it('passes, names the trusted key, reports progress, and writes a cache record', async () => {
    const events: ApplianceEvent[] = [];
    const dir = await copy();
    const r = await verifyBundle(dir, { ...f.trust, onEvent: (e) => events.push(e), task: 't1' });
    expect(r.ok).toBe(true);
    expect(r.cached).toBe(false);
    expect(r.signature).toMatchObject({ status: 'trusted', keyName: 'test-signer' });
    expect(r.artifacts.map((a) => a.status)).toEqual(['ok', 'ok', 'ok']);
    const big = r.artifacts.find((a) => a.ref === 'big-tool@1.0')!;
    expect(r.bytesHashed).toBeGreaterThanOrEqual(big.size);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ task: 't1', unit: 'bytes', done: r.bytesHashed, total: r.bytesHashed });
  });

  it('re-verifies an unchanged bundle from the cache, and re-hashes with full or after a change', async () => {
    const dir = await copy();
    await verifyBundle(dir, f.trust);
    const again = await verifyBundle(dir, f.trust);
    expect(again).toMatchObject({ ok: true, cached: true, bytesHashed: 0 });
    const full = await verifyBundle(dir, { ...f.trust, full: true });
    expect(full.cached).toBe(false);
    expect(full.bytesHashed).toBeGreaterThan(0);
    // Same content, new mtime: identity changed, so it is hashed again (and still passes).
    const blob = await blobOf(dir, 'big-tool@1.0');
    await utimes(blob, new Date(), new Date(Date.now() + 5000));
    const touched = await verifyBundle(dir, f.trust);
    expect(touched).toMatchObject({ ok: true, cached: false });
  });

  it('does not reuse a pass when the trusted key set changed', async () => {
    const dir = await copy();
    await verifyBundle(dir, f.trust);
    const other = await generateSigningKey(join(f.root, `k${++n}`), 'other');
    const r = await verifyBundle(dir, { ...f.trust, trust: [...f.trust.trust, other.publicKeyFile] });
    expect(r).toMatchObject({ ok: true, cached: false });
  });

  it('cancels hashing when the signal fires', async () => {
    const dir = await copy();
    const c = new AbortController();
    c.abort();
    await expect(verifyBundle(dir, { ...f.trust, signal: c.signal, full: true })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('verifyBundle: damaged bundles are refused, naming the artifact', () => {
  it('a byte flipped in the middle of a blob', async () => {
    const dir = await copy();
    const blob = await blobOf(dir, 'big-tool@1.0');
    await flipByte(blob, Math.floor((await stat(blob)).size / 2));
    const r = await verifyBundle(dir, f.trust);
    expect(r.ok).toBe(false);
    const a = r.artifacts.find((x) => x.ref === 'big-tool@1.0')!;
    expect(a.status).toBe('digest-mismatch');
    expect(a.message).toContain(a.path);
    expect(r.artifacts.filter((x) => x.status === 'ok')).toHaveLength(2);
  });

  it('a truncated blob', async () => {
    const dir = await copy();
    const blob = await blobOf(dir, 'big-tool@1.0');
    await truncate(blob, 1000);
    const r = await verifyBundle(dir, f.trust);
    expect(r.artifacts.find((x) => x.ref === 'big-tool@1.0')).toMatchObject({ status: 'size-mismatch', actualSize: 1000 });
    expect(r.ok).toBe(false);
  });

  it('a missing blob', async () => {
    const dir = await copy();
    await unlink(await blobOf(dir, 'compose/docker-compose.yml'));
    const r = await verifyBundle(dir, f.trust);
    expect(r.artifacts.find((x) => x.ref === 'compose/docker-compose.yml')).toMatchObject({ status: 'missing' });
    expect(r.ok).toBe(false);
  });

  it('an extra unlisted file in blobs/ and elsewhere', async () => {
    const dir = await copy();
    await writeFile(join(dir, 'blobs', 'sha256', 'a'.repeat(64)), 'x');
    await writeFile(join(dir, 'README.txt'), 'x');
    const r = await verifyBundle(dir, f.trust);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.path).sort()).toEqual(['README.txt', `blobs/sha256/${'a'.repeat(64)}`]);
    expect(r.problems.every((p) => p.code === 'extra-file')).toBe(true);
  });

  it('a manifest edited after signing', async () => {
    const dir = await copy();
    const m = await readFile(join(dir, 'manifest.json'), 'utf8');
    await writeFile(join(dir, 'manifest.json'), m.replace('"1.0.0"', '"1.0.1"'));
    const r = await verifyBundle(dir, { ...f.trust, allowUnsigned: true });
    expect(r.ok).toBe(false);
    expect(r.signature.status).toBe('invalid');
    expect(r.problems[0]?.message).toMatch(/does not match its signature/);
    expect(r.bytesHashed).toBe(0); // signature first: nothing hashed
  });

  it('a signature by an untrusted key (and no signature at all)', async () => {
    const dir = await copy();
    const untrusted = await verifyBundle(dir, { ...f.trust, trust: [] });
    expect(untrusted).toMatchObject({ ok: false, signature: { status: 'untrusted' } });
    await unlink(join(dir, 'manifest.sig'));
    const unsigned = await verifyBundle(dir, f.trust);
    expect(unsigned).toMatchObject({ ok: false, signature: { status: 'unsigned' } });
    const allowed = await verifyBundle(dir, { ...f.trust, allowUnsigned: true });
    expect(allowed).toMatchObject({ ok: true, acceptedUnsigned: true, signature: { status: 'unsigned' } });
  });

  it('an unknown schemaVersion', async () => {
    const dir = await copy();
    await editAndResign(f, dir, (m) => (m.schemaVersion = 2));
    const r = await verifyBundle(dir, f.trust);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ code: 'manifest-invalid' });
    expect(r.problems[0]?.message).toMatch(/unknown schemaVersion 2/);
  });

  it('artifact paths with "..", absolute, or not where the digest says', async () => {
    const dir = await copy();
    await editAndResign(f, dir, (m) => {
      m.artifacts[0]!.path = '../outside';
      m.artifacts[1]!.path = '/etc/passwd';
    });
    const r = await verifyBundle(dir, f.trust);
    expect(r.ok).toBe(false);
    const [a0, a1] = r.artifacts;
    expect(a0).toMatchObject({ status: 'unsafe-path' });
    expect(a0?.message).toMatch(/\.\./);
    expect(a1).toMatchObject({ status: 'unsafe-path' });
    expect(a1?.message).toMatch(/absolute/);
    // Their real blobs are now unlisted.
    expect(r.problems.filter((p) => p.code === 'extra-file')).toHaveLength(2);
  });

  it('a symlink pointing outside the bundle (and one inside)', async () => {
    const dir = await copy();
    const blob = await blobOf(dir, 'compose/docker-compose.yml');
    await unlink(blob);
    await symlink('/etc/hostname', blob);
    await symlink('../manifest.json', join(dir, 'blobs', 'inside-link'));
    const r = await verifyBundle(dir, f.trust);
    expect(r.ok).toBe(false);
    expect(r.problems.filter((p) => p.code === 'symlink').map((p) => p.message).join('\n')).toMatch(/pointing outside the bundle[\s\S]*inside the bundle|inside the bundle[\s\S]*pointing outside/);
    expect(r.artifacts.find((x) => x.ref === 'compose/docker-compose.yml')).toMatchObject({ status: 'missing' });
  });
});

describe('verifyBundle: tar and split bundles', () => {
  it('verifies a .tar in place and names a corrupt blob inside it', async () => {
    const built = await buildFixture(f, `b${++n}.tar`);
    expect((await verifyBundle(built.out, f.trust)).ok).toBe(true);
    const tar = await readFile(built.out);
    const blobSha = built.artifacts.find((a) => a.ref === 'big-tool@1.0')!.sha256;
    const at = tar.indexOf(Buffer.from(`blobs/sha256/${blobSha}`)) + 512 + 1_500_000;
    await flipByte(built.out, at);
    const r = await verifyBundle(built.out, f.trust);
    expect(r.ok).toBe(false);
    expect(r.artifacts.find((a) => a.ref === 'big-tool@1.0')?.status).toBe('digest-mismatch');
  });

  it('refuses tar entries that are absolute, contain "..", are links, or are duplicated', async () => {
    const tarStream = (await import('tar-stream')).default;
    const built = await buildFixture(f, `dir${++n}`);
    const manifest = await readFile(join(built.out, 'manifest.json'));
    const sig = await readFile(join(built.out, 'manifest.sig'));
    const cases: [string, (p: import('tar-stream').Pack) => void, RegExp][] = [
      ['dotdot', (p) => p.entry({ name: '../evil', size: 1 }, 'x'), /"\.\.\/evil" contains "\.\."/],
      ['absolute', (p) => p.entry({ name: '/etc/evil', size: 1 }, 'x'), /"\/etc\/evil" is an absolute path/],
      ['symlink', (p) => p.entry({ name: 'blobs/sha256/link', type: 'symlink', linkname: '/etc/passwd' }), /symbolic link/],
      ['duplicate', (p) => p.entry({ name: 'manifest.json', size: manifest.length }, manifest), /appears more than once/],
    ];
    for (const [name, add, expected] of cases) {
      const pack = tarStream.pack();
      pack.entry({ name: 'manifest.json', size: manifest.length }, manifest);
      pack.entry({ name: 'manifest.sig', size: sig.length }, sig);
      for (const file of await readdir(join(built.out, 'blobs', 'sha256'))) {
        const data = await readFile(join(built.out, 'blobs', 'sha256', file));
        pack.entry({ name: `blobs/sha256/${file}`, size: data.length }, data);
      }
      add(pack);
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const c of pack) chunks.push(c as Buffer);
      const file = join(f.root, `evil-${name}.tar`);
      await writeFile(file, Buffer.concat(chunks));
      const r = await verifyBundle(file, f.trust);
      expect(r.ok, name).toBe(false);
      expect(r.problems.map((p) => p.message).join('\n'), name).toMatch(expected);
    }
  });

  it('verifies split parts from the .parts.json or any part, and names a missing or corrupt part', async () => {
    const built = await buildFixture(f, `split${n}/s.tar`, { maxPartSize: 1024 * 1024 });
    const parts = built.parts!.parts;
    expect(parts.length).toBe(4);
    const dir = join(f.root, `split${n}`);
    expect((await verifyBundle(built.out, f.trust)).ok).toBe(true);
    expect((await verifyBundle(join(dir, parts[1]!.file), { ...f.trust, full: true })).ok).toBe(true);

    await flipByte(join(dir, parts[2]!.file), 5000);
    const corrupt = await verifyBundle(built.out, f.trust);
    expect(corrupt.ok).toBe(false);
    expect(corrupt.parts?.find((p) => p.file === parts[2]!.file)?.status).toBe('corrupt');
    expect(corrupt.problems.map((p) => p.message).join('\n')).toContain(`part ${parts[2]!.file} is corrupt`);
    expect(corrupt.parts?.filter((p) => p.status === 'ok')).toHaveLength(3);

    await rm(join(dir, parts[1]!.file));
    const missing = await verifyBundle(join(dir, parts[0]!.file), f.trust);
    expect(missing.ok).toBe(false);
    expect(missing.problems[0]).toMatchObject({ code: 'part-missing', path: parts[1]!.file });
  });
});

describe('openVerifiedBundle', () => {
  it('refuses a bundle that never passed, opens it after verify, streams artifacts with their digest', async () => {
    const dir = await copy();
    await expect(openVerifiedBundle(dir, f.trust)).rejects.toMatchObject({ code: 'INTEGRITY' });
    await verifyBundle(dir, f.trust);
    const b = await openVerifiedBundle(dir, f.trust);
    const a = b.artifact('compose/docker-compose.yml');
    const chunks: Buffer[] = [];
    for await (const c of b.artifactStream(a.ref)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('services: {}\n');
    expect(() => b.artifact('nope')).toThrow(/no artifact "nope"/);
  });

  it('refuses a bundle that changed since it passed, and one that failed', async () => {
    const dir = await copy();
    await verifyBundle(dir, f.trust);
    await appendFile(await blobOf(dir, 'compose/docker-compose.yml'), 'x');
    await expect(openVerifiedBundle(dir, f.trust)).rejects.toThrow(/changed since it was verified/);
    expect((await verifyBundle(dir, f.trust)).ok).toBe(false);
    await expect(openVerifiedBundle(dir, f.trust)).rejects.toThrow(/has not passed verification/);
  });

  it('opens an unsigned bundle only when the caller allows unsigned bundles', async () => {
    const dir = await copy();
    await unlink(join(dir, 'manifest.sig'));
    await verifyBundle(dir, { ...f.trust, allowUnsigned: true });
    await expect(openVerifiedBundle(dir, f.trust)).rejects.toThrow(/UNSIGNED/);
    expect((await openVerifiedBundle(dir, { ...f.trust, allowUnsigned: true })).signature.status).toBe('unsigned');
  });

  it('fails the artifact stream if the blob is replaced after opening', async () => {
    const dir = await copy();
    await verifyBundle(dir, f.trust);
    const b = await openVerifiedBundle(dir, f.trust);
    const blob = await blobOf(dir, 'big-tool@1.0');
    await flipByte(blob, 10);
    const read = async () => {
      for await (const _ of b.artifactStream('big-tool@1.0')) void _;
    };
    await expect(read()).rejects.toMatchObject({ code: 'INTEGRITY' });
    await mkdir(join(f.root, 'unused'), { recursive: true });
  });
});

describe('interoperability', () => {
  it('a tar made from a bundle folder with GNU tar (./ prefixes, folder entries, gnu and pax formats) verifies', async () => {
    const { execFileSync } = await import('node:child_process');
    for (const format of ['gnu', 'pax']) {
      const file = join(f.root, `gnu-${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', pristine, '.']);
      const r = await verifyBundle(file, f.trust);
      expect(r.ok, format).toBe(true);
      expect(r.layout).toBe('tar');
    }
  });

  it('verifies an rsa-pss-sha256 signature made with an RSA key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = join(f.root, 'rsa');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'rsa.key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, 'rsa-vendor.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const { buildBundle } = await import('../../electron/engine/bundle/index.js');
    const built = await buildBundle(f.specFile, { out: join(dir, 'bundle'), sign: join(dir, 'rsa.key.pem') });
    const r = await verifyBundle(built.out, { ...f.trust, trust: [join(dir, 'rsa-vendor.pub.pem')] });
    expect(r).toMatchObject({ ok: true, signature: { status: 'trusted', alg: 'rsa-pss-sha256', keyName: 'rsa-vendor' } });
  });
});
