import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issuedPaths, pkiPaths } from './paths.js';
import { parseEncryptedPrivateKey, PassphraseKeys } from './pkcs8.js';
import { encryptSiteKeys, exportSiteKey, initSiteCa, issueSiteCertificates, listSiteCertificates, readServerKeyPem, sitePkiStatus } from './site-pki.js';
import { makePkiTestSite } from './test-fixtures.js';
import { failure } from '../../../test/support/failure.js';

// Server keys at rest (issue 8 item 8). ECDSA and few PBKDF2 iterations keep it fast; the real
// count and openssl reading the files are in test/integration/pki-openssl.test.ts.
const PASS = 'correct horse battery';
const CLEAR = /-----BEGIN (RSA |EC )?PRIVATE KEY-----/;
let root: string;
let dir: string;
const pki = () => pkiPaths(join(dir, 'pki'));

/** Every file under `folder`, with its content. */
async function files(folder: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.set(join(e.parentPath, e.name), await readFile(join(e.parentPath, e.name)));
  }
  return out;
}

const clearKeyFiles = async (folder: string) => [...(await files(folder))].filter(([, b]) => CLEAR.test(b.toString('latin1'))).map(([f]) => f);

/** What versions before the fix wrote: clear PKCS#8 key.pem and cert + chain + clear key in haproxy.pem. */
async function writeLikeOlderVersion(name: string): Promise<string> {
  const p = issuedPaths(pki().dir, name);
  const keyPem = await readServerKeyPem(dir, name, PASS);
  await writeFile(p.key, keyPem, { mode: 0o600 });
  await rm(p.keyMeta, { force: true });
  if (name === 'web') await writeFile(p.legacyHaproxy, (await readFile(p.cert, 'utf8')) + (await readFile(p.chain, 'utf8')) + keyPem, { mode: 0o600 });
  return keyPem;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pki-keys-'));
  dir = join(root, 'site');
  await makePkiTestSite(dir, { topology: 'k3s-3', passphrase: PASS });
  await initSiteCa(dir, { passphrase: PASS, algorithm: 'ecdsa-p256', iterations: 1000 });
  await issueSiteCertificates(dir, { passphrase: PASS });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('server keys at rest', () => {
  it('after issue, no file anywhere in the site folder holds a clear private key', async () => {
    const all = await files(dir);
    expect(all.size).toBeGreaterThan(10);
    expect(await clearKeyFiles(dir)).toEqual([]);
    for (const name of ['web', 'postgresql', 'redis', 'grafana', 'k3s-api']) {
      const p = issuedPaths(pki().dir, name);
      expect(all.get(p.key)!.toString()).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
      expect((await stat(p.key)).mode & 0o777).toBe(0o600);
    }
    expect((await sitePkiStatus(dir)).clearKeyFiles).toEqual([]);
    // Sealed under the CA unlock's derivation (same salt and count, own IV): issue pays no extra PBKDF2.
    const ca = parseEncryptedPrivateKey(all.get(pki().caKey)!.toString(), 'ca.key');
    const web = parseEncryptedPrivateKey(all.get(issuedPaths(pki().dir, 'web').key)!.toString(), 'key.pem');
    expect([web.salt.toString('hex'), web.iterations]).toEqual([ca.salt.toString('hex'), ca.iterations]);
    expect(web.iv.equals(ca.iv)).toBe(false);
  });

  it('decrypts in memory to the key of the certificate; several keys share one PBKDF2 run', async () => {
    const keys = new PassphraseKeys(PASS);
    const derive = vi.spyOn(keys, 'derive');
    for (const name of ['web', 'redis', 'grafana']) {
      const cert = new X509Certificate(await readFile(issuedPaths(pki().dir, name).cert));
      expect(cert.checkPrivateKey(createPrivateKey(await readServerKeyPem(dir, name, keys)))).toBe(true);
    }
    expect(new Set(derive.mock.calls.map(([salt, n]) => `${salt.toString('hex')}:${n}`)).size).toBe(1);
  });

  it('a wrong passphrase is PERMISSION naming the key file; a damaged key file is INTEGRITY', async () => {
    const web = issuedPaths(pki().dir, 'web');
    const wrong = await failure(() => readServerKeyPem(dir, 'web', 'not the passphrase'));
    expect(wrong.code).toBe('PERMISSION');
    expect(wrong.message).toBe(`Wrong site passphrase: it does not unlock the server key ${web.key}.`);
    const original = await readFile(web.key, 'utf8');
    await writeFile(web.key, original.replace(/\n(.)(.)/, (_m, a: string, b: string) => `\n${b}${a}`));
    try {
      const damaged = await failure(() => readServerKeyPem(dir, 'web', PASS));
      expect(damaged.code).toBe('INTEGRITY');
      expect(damaged.message).toContain(web.key);
      expect((await listSiteCertificates(dir)).find((c) => c.name === 'web')!.keyAtRest).toBe('damaged');
    } finally {
      await writeFile(web.key, original);
    }
    expect((await failure(() => readServerKeyPem(dir, '../../secrets', PASS))).code).toBe('VALIDATION');
  });

  it('export-key writes the clear key with mode 0600, says so, refuses to overwrite, and a wrong passphrase writes nothing', async () => {
    const out = join(root, 'export', 'web.key');
    await mkdir(join(root, 'export'));
    const bad = await failure(() => exportSiteKey(dir, { name: 'web', out, passphrase: 'not the passphrase' }));
    expect(bad.code).toBe('PERMISSION');
    expect(await readdir(join(root, 'export'))).toEqual([]);
    const r = await exportSiteKey(dir, { name: 'web', out, passphrase: PASS });
    expect(r).toMatchObject({ file: out, name: 'web', form: 'key', mode: '0600', unencrypted: true });
    expect(r.notice).toContain(out);
    expect(r.notice).toMatch(/UNENCRYPTED private key/);
    expect(r.notice).toMatch(/delete it/);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(await readFile(issuedPaths(pki().dir, 'web').cert));
    expect(cert.checkPrivateKey(createPrivateKey(await readFile(out)))).toBe(true);
    await writeFile(out, 'engineer notes');
    const again = await failure(() => exportSiteKey(dir, { name: 'web', out, passphrase: PASS }));
    expect(again.code).toBe('CONFLICT');
    expect(await readFile(out, 'utf8')).toBe('engineer notes');
    const combined = await exportSiteKey(dir, { name: 'web', out: join(root, 'export', 'web.pem'), passphrase: PASS, form: 'haproxy' });
    expect((await readFile(combined.file, 'utf8')).match(/-----BEGIN /g)).toHaveLength(3);
    expect(await readdir(join(root, 'export'))).toEqual(['web.key', 'web.pem']);
  });

  it('migrates a site an older version wrote: flags clear keys, then issue encrypts them in place (certificates unchanged)', async () => {
    const webKey = await writeLikeOlderVersion('web');
    await writeLikeOlderVersion('redis');
    const webCert = await readFile(issuedPaths(pki().dir, 'web').cert, 'utf8');
    const status = await sitePkiStatus(dir);
    expect(status.clearKeyFiles).toEqual([issuedPaths(pki().dir, 'redis').key, issuedPaths(pki().dir, 'web').legacyHaproxy, issuedPaths(pki().dir, 'web').key]);
    expect(status.certificates.filter((c) => c.keyAtRest === 'clear').map((c) => c.name).sort()).toEqual(['redis', 'web']);
    // Nothing to sign, but clear keys: issue asks for the passphrase, and a wrong one changes nothing.
    const before = await files(pki().dir);
    expect((await failure(() => issueSiteCertificates(dir, { passphrase: 'not the passphrase' }))).code).toBe('PERMISSION');
    expect(await files(pki().dir)).toEqual(before);
    const ask = vi.fn(async () => PASS);
    const results = await issueSiteCertificates(dir, { passphrase: ask });
    expect(ask).toHaveBeenCalledTimes(1);
    expect(results.every((r) => r.action === 'unchanged')).toBe(true);
    expect(results.find((r) => r.name === 'web')!.reason).toMatch(/key now encrypted at rest$/);
    expect(await clearKeyFiles(dir)).toEqual([]);
    expect(await stat(issuedPaths(pki().dir, 'web').legacyHaproxy).catch(() => null)).toBeNull();
    expect(await readFile(issuedPaths(pki().dir, 'web').cert, 'utf8')).toBe(webCert);
    expect(await readServerKeyPem(dir, 'web', PASS)).toBe(webKey);
    // Done: the next issue needs no passphrase again.
    const none = vi.fn(async () => PASS);
    expect((await issueSiteCertificates(dir, { passphrase: none })).every((r) => r.action === 'unchanged')).toBe(true);
    expect(none).not.toHaveBeenCalled();
  });

  it('pki encrypt-keys covers retired certificates and leftovers of an interrupted write', async () => {
    const keyPem = await readServerKeyPem(dir, 'grafana', PASS);
    const retired = join(pki().retiredDir, '2025-01-01T00-00-00-000Z', 'issued', 'web');
    await mkdir(retired, { recursive: true });
    await writeFile(join(retired, 'cert.pem'), await readFile(issuedPaths(pki().dir, 'grafana').cert));
    await writeFile(join(retired, 'key.pem'), keyPem, { mode: 0o600 });
    await writeFile(join(retired, 'haproxy.pem'), keyPem, { mode: 0o600 });
    const leftover = join(pki().issuedDir, '.web.new-12345');
    await mkdir(leftover);
    await writeFile(join(leftover, 'key.pem'), keyPem, { mode: 0o600 });
    expect((await sitePkiStatus(dir)).clearKeyFiles).toHaveLength(3);
    expect((await failure(() => encryptSiteKeys(dir, { passphrase: 'not the passphrase' }))).code).toBe('PERMISSION');
    expect((await sitePkiStatus(dir)).clearKeyFiles).toHaveLength(3);
    const r = await encryptSiteKeys(dir, { passphrase: PASS });
    expect(r).toEqual({ encrypted: [join(retired, 'key.pem')], removed: [leftover, join(retired, 'haproxy.pem')].sort(), left: [] });
    expect(await clearKeyFiles(dir)).toEqual([]);
    expect(await readFile(join(retired, 'key.pem'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    // Nothing left: no passphrase asked.
    const ask = vi.fn(async () => PASS);
    expect(await encryptSiteKeys(dir, { passphrase: ask })).toEqual({ encrypted: [], removed: [], left: [] });
    expect(ask).not.toHaveBeenCalled();
  });
});
