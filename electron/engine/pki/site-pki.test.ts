import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSite, updateSite } from '../site/index.js';
import { issuedPaths, pkiPaths } from './paths.js';
import { exportSiteCa, haproxyPemFor, initSiteCa, issueSiteCertificates, listSiteCertificates, readServerKeyPem, sitePkiStatus } from './site-pki.js';
import { makePkiTestSite } from './test-fixtures.js';
import { failure } from '../../../test/support/failure.js';

// ECDSA and few PBKDF2 iterations keep these tests fast; RSA 4096 and the real count are covered by test/integration/pki-*.
const PASS = 'correct horse battery';
let root: string;
let dir: string;
const pki = () => pkiPaths(join(dir, 'pki'));

async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string) {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[p] = (await readFile(p)).toString('base64');
    }
  }
  await walk(folder);
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pki-unit-'));
  dir = join(root, 'site');
  await makePkiTestSite(dir, { topology: 'k3s-3', passphrase: PASS });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('site PKI', () => {
  it('reports no CA before init', async () => {
    expect((await sitePkiStatus(dir)).ca.present).toBe(false);
  });

  it('refuses to create the CA under a passphrase that does not open secrets.enc', async () => {
    const e = await failure(() => initSiteCa(dir, { passphrase: 'not the site passphrase', algorithm: 'ecdsa-p256', iterations: 1000 }));
    expect(e.code).toBe('PERMISSION');
    expect((await sitePkiStatus(dir)).ca.present).toBe(false);
  });

  it('creates a name-constrained CA', async () => {
    const ca = await initSiteCa(dir, { passphrase: PASS, algorithm: 'ecdsa-p256', iterations: 1000 });
    expect(ca).toMatchObject({ present: true, algorithm: 'ecdsa-p256', key: 'ECDSA P-256', signatureAlgorithm: 'ecdsa-with-SHA256', kdfIterations: 1000 });
    if (!ca.present) throw new Error('no CA');
    expect(ca.permitted.dns).toEqual(['hospital-erp.local', '.hospital-erp.local']);
    expect(ca.daysLeft).toBeGreaterThanOrEqual(3650);
    expect((await stat(pki().caKey)).mode & 0o777).toBe(0o600);
  });

  it('refuses a second init without --force (CONFLICT)', async () => {
    expect((await failure(() => initSiteCa(dir, { passphrase: PASS, algorithm: 'ecdsa-p256', iterations: 1000 }))).code).toBe('CONFLICT');
  });

  it('issues every planned certificate with keys encrypted at rest (0600), chain, and no clear HAProxy file', async () => {
    const results = await issueSiteCertificates(dir, { passphrase: PASS });
    expect(results.map((r) => [r.name, r.action])).toEqual([
      ['web', 'issued'],
      ['postgresql', 'issued'],
      ['redis', 'issued'],
      ['grafana', 'issued'],
      ['k3s-api', 'issued'],
    ]);
    const web = issuedPaths(pki().dir, 'web');
    expect((await stat(web.key)).mode & 0o777).toBe(0o600);
    expect(await readFile(web.key, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(await stat(web.legacyHaproxy).catch(() => null)).toBeNull();
    const caPem = await readFile(pki().caCert, 'utf8');
    const certPem = await readFile(web.cert, 'utf8');
    expect(await readFile(web.chain, 'utf8')).toBe(caPem);
    expect(await readFile(web.fullchain, 'utf8')).toBe(certPem + caPem);
    // The deploy-time forms, built in memory only.
    const keyPem = await readServerKeyPem(dir, 'web', PASS);
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await haproxyPemFor(dir, 'web', PASS)).toBe(certPem + caPem + keyPem);
    const x = new X509Certificate(certPem);
    expect(x.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(x.verify(new X509Certificate(caPem).publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyType).toBe('ec');
    expect(Math.round((Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000)).toBe(397);
    const inv = JSON.parse(await readFile(pki().inventory, 'utf8'));
    expect(inv.certificates.find((c: { name: string }) => c.name === 'postgresql').destinations.map((d: { host: string }) => d.host)).toEqual(['db1', 'db2']);
  });

  it('is idempotent: a second issue changes nothing and asks for no passphrase', async () => {
    const before = await snapshot(pki().dir);
    const ask = vi.fn(async () => PASS);
    const results = await issueSiteCertificates(dir, { passphrase: ask });
    expect(results.every((r) => r.action === 'unchanged')).toBe(true);
    expect(ask).not.toHaveBeenCalled();
    expect(await snapshot(pki().dir)).toEqual(before);
  });

  it('reissues only the certificate whose names changed', async () => {
    const redisBefore = await readFile(issuedPaths(pki().dir, 'redis').cert, 'utf8');
    const results = await issueSiteCertificates(dir, { passphrase: PASS, extraNames: ['portal.hospital-erp.local'] });
    expect(results.filter((r) => r.action !== 'unchanged').map((r) => [r.name, r.reason])).toEqual([['web', 'names changed']]);
    expect(await readFile(issuedPaths(pki().dir, 'redis').cert, 'utf8')).toBe(redisBefore);
    // remembered in site.yaml, so the next run keeps the name
    expect((await loadSite(dir)).config.pki).toEqual({ extraNames: ['portal.hospital-erp.local'] });
    expect((await issueSiteCertificates(dir, { passphrase: PASS })).every((r) => r.action === 'unchanged')).toBe(true);
  });

  it('refuses a name outside the constraints before signing anything', async () => {
    const before = await snapshot(pki().dir);
    const e = await failure(() => issueSiteCertificates(dir, { passphrase: PASS, extraNames: ['www.google.com'] }));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/Refused to issue "web": DNS:www\.google\.com/);
    expect(await snapshot(pki().dir)).toEqual(before);
    expect((await loadSite(dir)).config.pki).toEqual({ extraNames: ['portal.hospital-erp.local'] });
  });

  it('renews what expires within the window, and with a wrong passphrase writes nothing (PERMISSION)', async () => {
    const before = await snapshot(pki().dir);
    const e = await failure(() => issueSiteCertificates(dir, { passphrase: 'wrong passphrase', renewWithinDays: 400 }));
    expect(e.code).toBe('PERMISSION');
    expect(e.message).toContain(pki().caKey);
    expect(await snapshot(pki().dir)).toEqual(before);
    const later = new Date(Date.now() + 380 * 86_400_000);
    const results = await issueSiteCertificates(dir, { passphrase: PASS, now: later });
    expect(results.every((r) => r.action === 'reissued' && /^expires in 1[0-9] days$/.test(r.reason))).toBe(true);
  });

  it('names the damaged CA key file (INTEGRITY) and leaves the files alone', async () => {
    const original = await readFile(pki().caKey, 'utf8');
    const damaged = original.replace(/\n(.)(.)/, (_m, a: string, b: string) => `\n${b}${a}`);
    await writeFile(pki().caKey, damaged);
    const before = await snapshot(pki().dir);
    const e = await failure(() => issueSiteCertificates(dir, { passphrase: PASS, renewWithinDays: 10_000 }));
    expect(e.code).toBe('INTEGRITY');
    expect(e.message).toContain(pki().caKey);
    expect(await snapshot(pki().dir)).toEqual(before);
    await writeFile(pki().caKey, original);
  });

  it('lists certificates with days left, serials and destinations', async () => {
    const list = await listSiteCertificates(dir);
    expect(list).toHaveLength(5);
    const pg = list.find((c) => c.name === 'postgresql')!;
    expect(pg).toMatchObject({ purpose: 'PostgreSQL primary and standby', currentCa: true, keyAtRest: 'encrypted', ip: ['192.168.20.10', '192.168.20.11'] });
    expect(pg.daysLeft).toBeGreaterThan(390);
    expect(pg.serial).toMatch(/^[0-9a-f]{32}$/);
    expect(pg.destinations[0]).toMatchObject({ host: 'db1', installedAt: null });
  });

  it('exports the CA as PEM, DER and README', async () => {
    const out = join(root, 'export');
    const r = await exportSiteCa(dir, out);
    expect(Object.keys(r.files)).toEqual(['pem', 'crt', 'der', 'readme']);
    expect(new X509Certificate(await readFile(r.files.der)).fingerprint256).toBe(r.fingerprintSha256);
    const readme = await readFile(r.files.readme, 'utf8');
    for (const s of ['certutil -addstore -f Root', 'security add-trusted-cert', 'update-ca-certificates', 'update-ca-trust', 'Firefox', r.fingerprintSha256]) expect(readme).toContain(s);
    expect((await readdir(out)).some((f) => /key/i.test(f))).toBe(false);
  });

  it('re-creates the CA with --force, retiring the old one and its certificates', async () => {
    expect((await failure(() => initSiteCa(dir, { passphrase: 'wrong passphrase', algorithm: 'ecdsa-p256', iterations: 1000, force: true }))).code).toBe('PERMISSION');
    const oldFp = (await sitePkiStatus(dir)).ca;
    await updateSite(dir, () => {});
    const ca = await initSiteCa(dir, { passphrase: PASS, algorithm: 'ecdsa-p256', iterations: 1000, force: true });
    expect(ca.present && oldFp.present && ca.fingerprintSha256 !== oldFp.fingerprintSha256).toBe(true);
    expect(await listSiteCertificates(dir)).toEqual([]);
    const retired = await readdir(pki().retiredDir);
    expect(retired).toHaveLength(1);
    expect((await readdir(join(pki().retiredDir, retired[0]!))).sort()).toEqual(['ca.json', 'ca.key', 'ca.pem', 'inventory.json', 'issued']);
  });
});
