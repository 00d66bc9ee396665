import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuedPaths, pkiPaths } from '../../electron/engine/pki/index.js';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';

/**
 * The ECDSA P-256 variant: node-forge cannot sign ECDSA, so the engine signs the
 * TBSCertificate with Node's crypto. OpenSSL must accept the CA, the chain and a TLS handshake.
 */
const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const PASS = 'correct horse battery staple';
let root: string;
let site: string;
let pki: ReturnType<typeof pkiPaths>;

function openssl(args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', args);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
    p.stdin.end(input);
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pki-ec-'));
  site = join(root, 'site');
  const passFile = join(root, 'passphrase');
  await writeFile(passFile, `${PASS}\n`, { mode: 0o600 });
  await makePkiTestSite(site, { topology: 'single', passphrase: PASS });
  pki = pkiPaths(join(site, 'pki'));
  const bin = join(REPO, 'bin/appliance.js');
  await run(process.execPath, [bin, 'pki', 'init', '--site', site, '--algorithm', 'ecdsa-p256', '--passphrase-file', passFile], { cwd: REPO });
  await run(process.execPath, [bin, 'pki', 'issue', '--site', site, '--passphrase-file', passFile], { cwd: REPO });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('ECDSA P-256 site CA read by OpenSSL', () => {
  it('CA: ecdsa-with-SHA256, P-256, critical name constraints; key decrypts with openssl pkey', async () => {
    const { out } = await openssl(['x509', '-in', pki.caCert, '-text', '-noout']);
    expect(out).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(out).toContain('NIST CURVE: P-256');
    expect(out).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:hospital-erp\.local/);
    expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    const passFile = join(root, 'passphrase');
    const key = await openssl(['pkey', '-in', pki.caKey, '-passin', `file:${passFile}`, '-noout', '-text']);
    expect(key.code, key.out).toBe(0);
    expect(key.out).toContain('Private-Key: (256 bit)');
  });

  it('server certificates: ECDSA keys, digitalSignature only, verified by openssl verify', async () => {
    for (const name of ['web', 'postgresql', 'redis', 'grafana']) {
      const p = issuedPaths(pki.dir, name);
      expect((await openssl(['verify', '-CAfile', pki.caCert, p.cert])).out.trim()).toBe(`${p.cert}: OK`);
      const { out } = await openssl(['x509', '-in', p.cert, '-text', '-noout']);
      expect(out).toContain('Signature Algorithm: ecdsa-with-SHA256');
      expect(out).toContain('NIST CURVE: P-256');
      expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
      expect(out).toMatch(/TLS Web Server Authentication/);
      const key = await openssl(['pkey', '-in', p.key, '-passin', `file:${join(root, 'passphrase')}`, '-noout', '-text']);
      expect(key.code, key.out).toBe(0);
      expect(key.out).toContain('Private-Key: (256 bit)');
    }
  });

  it('TLS handshake with the ECDSA web certificate on loopback', async () => {
    const web = issuedPaths(pki.dir, 'web');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    // The key is encrypted at rest (PBES2): s_server opens it with the site passphrase.
    const server = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', web.cert, '-key', web.key, '-pass', `file:${join(root, 'passphrase')}`, '-www'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100; i++) {
        const up = await new Promise<boolean>((resolve) => {
          const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
          c.on('error', () => resolve(false));
        });
        if (up) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const ok = await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.caCert, '-servername', 'api.hospital-erp.local', '-verify_return_error', '-verify_hostname', 'api.hospital-erp.local'], 'Q\n');
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toContain('Verify return code: 0 (ok)');
      const bad = await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.caCert, '-servername', 'intranet.example.org', '-verify_return_error', '-verify_hostname', 'intranet.example.org'], 'Q\n');
      expect(bad.code).not.toBe(0);
    } finally {
      server.kill();
    }
  });
});
