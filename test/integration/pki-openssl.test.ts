import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyPemFor, issuedPaths, pkiPaths, unlockCa } from '../../electron/engine/pki/index.js';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';
import { authorityKeyIdentifierExt, signCertificate, subjectNameDer } from '../../electron/engine/pki/x509.js';
import { generateKey } from '../../electron/engine/pki/keys.js';

/**
 * The site CA checked by the real tools: the appliance CLI creates the CA (RSA 4096, the real
 * PBKDF2 count) and issues the certificates; OpenSSL reads, decrypts and verifies them, and a
 * TLS handshake on loopback (openssl s_server with the encrypted key and -pass, HAProxy with
 * the combined PEM built in memory and written only to this test's temp folder) must succeed.
 */
const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const PASS = 'correct horse battery staple';
let root: string;
let site: string;
let passFile: string;
let pki: ReturnType<typeof pkiPaths>;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(REPO, 'bin/appliance.js'), ...args], { cwd: REPO, env: { ...process.env, APPLIANCE_PASSPHRASE: '', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function openssl(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
    p.stdin.end(input ?? '');
  });
}

async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = (await readFile(join(e.parentPath, e.name))).toString('base64');
  }
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a loopback TLS server and waits until it accepts connections. */
async function startServer(argv: string[], port: number): Promise<ChildProcess> {
  const p = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  p.stdout!.on('data', (d) => (log += d));
  p.stderr!.on('data', (d) => (log += d));
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return p;
    if (p.exitCode !== null) throw new Error(`${argv[0]} exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  p.kill();
  throw new Error(`${argv[0]} did not listen on ${port}: ${log}`);
}

async function handshake(port: number, caFile: string, name: string, extra: string[] = []): Promise<{ code: number; out: string }> {
  return openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-servername', name, '-verify_return_error', ...extra], 'Q\n');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pki-int-'));
  site = join(root, 'site');
  passFile = join(root, 'passphrase');
  await writeFile(passFile, `${PASS}\n`, { mode: 0o600 });
  await makePkiTestSite(site, { topology: 'k3s-3', passphrase: PASS });
  pki = pkiPaths(join(site, 'pki'));
  const init = await cli(['pki', 'init', '--site', site, '--passphrase-file', passFile, '--json']);
  expect(init.code, init.stderr).toBe(0);
  const issue = await cli(['pki', 'issue', '--site', site, '--passphrase-file', passFile, '--json']);
  expect(issue.code, issue.stderr).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('site CA (RSA 4096) read by OpenSSL', () => {
  it('has critical name constraints, CA:TRUE pathlen:0, keyCertSign+cRLSign and SHA-256', async () => {
    const { code, out } = await openssl(['x509', '-in', pki.caCert, '-text', '-noout']);
    expect(code).toBe(0);
    expect(out).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(out).toContain('Public-Key: (4096 bit)');
    expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(out).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(out).toContain('X509v3 Subject Key Identifier');
    expect(out).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:hospital-erp\.local\s+DNS:\.hospital-erp\.local\s+IP:192\.168\.1\.0\/255\.255\.255\.0\s+IP:192\.168\.10\.0\/255\.255\.255\.0\s+IP:192\.168\.20\.0\/255\.255\.255\.0\s+IP:192\.168\.100\.0\/255\.255\.255\.0\s+IP:192\.168\.1\.10\/255\.255\.255\.255/);
    const days = (Date.parse(new X509Certificate(await readFile(pki.caCert)).validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(3650 - 2);
  });

  it('stores the key as PBES2 / PBKDF2-HMAC-SHA256 (>= 600,000) / AES-256-CBC that openssl pkey decrypts', async () => {
    const parsed = await openssl(['asn1parse', '-in', pki.caKey]);
    expect(parsed.out).toMatch(/:PBES2/);
    expect(parsed.out).toMatch(/:PBKDF2/);
    expect(parsed.out).toMatch(/:hmacWithSHA256/);
    expect(parsed.out).toMatch(/:aes-256-cbc/);
    const iter = /prim: INTEGER\s+:([0-9A-F]+)/.exec(parsed.out);
    expect(parseInt(iter![1]!, 16)).toBeGreaterThanOrEqual(600_000);
    const ok = await openssl(['pkey', '-in', pki.caKey, '-passin', `file:${passFile}`, '-noout', '-text']);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('Private-Key: (4096 bit');
    const wrong = join(root, 'wrong');
    await writeFile(wrong, 'not the passphrase\n');
    expect((await openssl(['pkey', '-in', pki.caKey, '-passin', `file:${wrong}`, '-noout'])).code).not.toBe(0);
  });
});

describe('issued server certificates read by OpenSSL', () => {
  const names = ['web', 'postgresql', 'redis', 'grafana', 'k3s-api'];

  it('leaves no clear private key in any file of the site folder; openssl opens each key with the site passphrase only', async () => {
    const everything = await snapshot(site);
    expect(Object.keys(everything).length).toBeGreaterThan(20);
    const clear = Object.entries(everything).filter(([, b64]) => /-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(Buffer.from(b64, 'base64').toString('latin1')));
    expect(clear.map(([f]) => f)).toEqual([]);
    expect(Object.keys(everything).filter((f) => f.endsWith('haproxy.pem'))).toEqual([]);
    const wrong = join(root, 'wrong-server-key');
    await writeFile(wrong, 'not the passphrase\n');
    for (const name of names) {
      const p = issuedPaths(pki.dir, name);
      expect((await stat(p.key)).mode & 0o777).toBe(0o600);
      const parsed = await openssl(['asn1parse', '-in', p.key]);
      expect(parsed.out).toMatch(/:PBES2/);
      expect(parsed.out).toMatch(/:hmacWithSHA256/);
      expect(parseInt(/prim: INTEGER\s+:([0-9A-F]+)/.exec(parsed.out)![1]!, 16)).toBeGreaterThanOrEqual(600_000);
      const ok = await openssl(['pkey', '-in', p.key, '-passin', `file:${passFile}`, '-noout']);
      expect(ok.code, `${name}: ${ok.out}`).toBe(0);
      expect((await openssl(['pkey', '-in', p.key, '-passin', `file:${wrong}`, '-noout'])).code, name).not.toBe(0);
    }
  });

  it('every certificate verifies against the CA and carries SANs, key usages and SHA-256', async () => {
    for (const name of names) {
      const p = issuedPaths(pki.dir, name);
      const v = await openssl(['verify', '-CAfile', pki.caCert, p.cert]);
      expect(v.out.trim(), name).toBe(`${p.cert}: OK`);
      const { out } = await openssl(['x509', '-in', p.cert, '-text', '-noout']);
      expect(out).toContain('Signature Algorithm: sha256WithRSAEncryption');
      expect(out).toContain('Public-Key: (2048 bit)');
      expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
      expect(out).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
      expect(out).toContain('X509v3 Authority Key Identifier');
      expect(out).toMatch(/X509v3 Basic Constraints:\s+CA:FALSE/);
      const v2 = await openssl(['verify', '-CAfile', pki.caCert, '-untrusted', p.chain, p.fullchain]);
      expect(v2.code, name).toBe(0);
      const keyMatch = await openssl(['x509', '-in', p.cert, '-noout', '-pubkey']);
      const keyPub = await openssl(['pkey', '-in', p.key, '-passin', `file:${passFile}`, '-pubout']);
      expect(keyPub.code, keyPub.out).toBe(0);
      expect(keyPub.out).toBe(keyMatch.out);
    }
    const web = await openssl(['x509', '-in', issuedPaths(pki.dir, 'web').cert, '-noout', '-ext', 'subjectAltName']);
    expect(web.out).toMatch(/DNS:api\.hospital-erp\.local, DNS:hospital-erp\.local, IP Address:192\.168\.1\.10/);
    const pg = await openssl(['x509', '-in', issuedPaths(pki.dir, 'postgresql').cert, '-noout', '-ext', 'subjectAltName']);
    expect(pg.out).toMatch(/DNS:db-primary\.hospital-erp\.local, DNS:db-standby\.hospital-erp\.local, IP Address:192\.168\.20\.10, IP Address:192\.168\.20\.11/);
  });

  it('OpenSSL itself rejects a certificate outside the constraints even when signed with the CA key', async () => {
    // What a thief of the CA key could do: sign without the engine's refusal.
    const ca = await unlockCa(pki.dir, PASS);
    const k = await generateKey('rsa2048');
    const rogue = signCertificate(
      {
        serialHex: '4c03',
        subject: [{ name: 'commonName', value: 'www.google.com' }],
        issuer: { der: subjectNameDer(ca.cert.raw) },
        notBefore: new Date(Date.now() - 3600_000),
        notAfter: new Date(Date.now() + 86_400_000),
        subjectPublicKey: k.publicKey,
        extensions: [
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: [{ type: 2, value: 'www.google.com' }, { type: 7, ip: '8.8.8.8' }] },
          authorityKeyIdentifierExt(ca.cert.publicKey),
        ],
      },
      ca.privateKey,
    );
    const f = join(root, 'rogue.pem');
    await writeFile(f, rogue.pem);
    const v = await openssl(['verify', '-CAfile', pki.caCert, f]);
    expect(v.code).not.toBe(0);
    expect(v.out).toMatch(/permitted subtree violation/);
  });
});

describe('appliance pki CLI on bad input', () => {
  it('a wrong passphrase fails with a clear PERMISSION error and leaves pki/ byte-identical', async () => {
    const before = await snapshot(pki.dir);
    const r = await cli(['pki', 'renew', '--site', site, '--within', '400d'], { APPLIANCE_PASSPHRASE: 'not the passphrase' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Wrong site passphrase: it does not unlock the CA key ${pki.caKey}`);
    expect(r.stderr).not.toContain('not the passphrase');
    expect(await snapshot(pki.dir)).toEqual(before);
    const init = await cli(['pki', 'init', '--site', site, '--force'], { APPLIANCE_PASSPHRASE: 'not the passphrase' });
    expect(init.code).toBe(3);
    expect(await snapshot(pki.dir)).toEqual(before);
  });

  it('a corrupted CA key file fails naming the file', async () => {
    const original = await readFile(pki.caKey, 'utf8');
    await writeFile(pki.caKey, original.slice(0, 200) + 'garbage' + original.slice(207));
    try {
      const r = await cli(['pki', 'renew', '--site', site, '--within', '400d', '--passphrase-file', passFile]);
      expect(r.code).toBe(1); // INTEGRITY: the CLI's "check failed" exit code
      expect(r.stderr).toContain(`The CA key file ${pki.caKey} is damaged`);
    } finally {
      await writeFile(pki.caKey, original);
    }
  });

  it('refuses a name outside the constraints (exit 2) and an up-to-date site issues nothing without a passphrase', async () => {
    const before = await snapshot(pki.dir);
    const r = await cli(['pki', 'issue', '--site', site, '--passphrase-file', passFile, '--extra-name', 'www.google.com']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Refused to issue "web": DNS:www.google.com is outside what the site CA may sign');
    const again = await cli(['pki', 'issue', '--site', site, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { action: string }[]).every((x) => x.action === 'unchanged')).toBe(true);
    expect(await snapshot(pki.dir)).toEqual(before);
  });

  it('export-key writes the clear key 0600 and says so, refuses to overwrite, and a wrong passphrase writes nothing', async () => {
    const out = join(root, 'manual-web.key');
    const bad = await cli(['pki', 'export-key', '--site', site, '--name', 'web', '--out', out], { APPLIANCE_PASSPHRASE: 'not the passphrase' });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain(`Wrong site passphrase: it does not unlock the server key ${issuedPaths(pki.dir, 'web').key}`);
    expect(await stat(out).catch(() => null)).toBeNull();
    const r = await cli(['pki', 'export-key', '--site', site, '--name', 'web', '--out', out, '--passphrase-file', passFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Wrote ${out}: the UNENCRYPTED private key (PKCS#8 PEM) of "web", mode 0600.`);
    expect(r.stdout).toMatch(/delete it here/);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const pub = await openssl(['pkey', '-in', out, '-pubout']); // no passphrase: it is clear, as asked
    expect(pub.code, pub.out).toBe(0);
    expect(pub.out).toBe((await openssl(['x509', '-in', issuedPaths(pki.dir, 'web').cert, '-noout', '-pubkey'])).out);
    const before = await readFile(out);
    const again = await cli(['pki', 'export-key', '--site', site, '--name', 'web', '--out', out, '--passphrase-file', passFile]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`${out} already exists: export-key never overwrites a file`);
    expect(await readFile(out)).toEqual(before);
  });

  it('lists the inventory and exports the CA in PEM and DER', async () => {
    const list = await cli(['pki', 'list', '--site', site, '--json']);
    const rows = JSON.parse(list.stdout) as { name: string; daysLeft: number; destinations: { host: string }[] }[];
    expect(rows.map((r) => r.name).sort()).toEqual(['grafana', 'k3s-api', 'postgresql', 'redis', 'web']);
    expect(rows.find((r) => r.name === 'web')!.destinations.map((d) => d.host)).toEqual(['lb1']);
    const out = join(root, 'export');
    const exp = await cli(['pki', 'export-ca', '--site', site, '--out', out, '--json']);
    const files = (JSON.parse(exp.stdout) as { files: Record<string, string>; fingerprintSha256: string });
    const der = await openssl(['x509', '-inform', 'DER', '-in', files.files.der!, '-noout', '-fingerprint', '-sha256']);
    expect(der.out).toContain(files.fingerprintSha256);
    expect(await readFile(files.files.crt!, 'utf8')).toBe(await readFile(pki.caCert, 'utf8'));
  });
});

describe('TLS handshakes on loopback with the issued certificates', () => {
  it('openssl s_server with the web certificate: s_client verifies the chain and the name; another name fails', async () => {
    const web = issuedPaths(pki.dir, 'web');
    const port = await freePort();
    // The key stays encrypted: s_server decrypts it with the site passphrase.
    const server = await startServer(['openssl', 's_server', '-accept', `127.0.0.1:${port}`, '-cert', web.cert, '-key', web.key, '-pass', `file:${passFile}`, '-cert_chain', web.chain, '-www'], port);
    try {
      const ok = await handshake(port, pki.caCert, 'api.hospital-erp.local', ['-verify_hostname', 'api.hospital-erp.local']);
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toContain('Verify return code: 0 (ok)');
      const ip = await handshake(port, pki.caCert, 'hospital-erp.local', ['-verify_ip', '192.168.1.10']);
      expect(ip.code, ip.out).toBe(0);
      const bad = await handshake(port, pki.caCert, 'www.google.com', ['-verify_hostname', 'www.google.com']);
      expect(bad.code).not.toBe(0);
      expect(bad.out).toMatch(/hostname mismatch/);
      const otherCa = await handshake(port, '/etc/ssl/certs/ca-certificates.crt', 'api.hospital-erp.local', ['-verify_hostname', 'api.hospital-erp.local']);
      expect(otherCa.code).not.toBe(0);
    } finally {
      server.kill();
    }
  });

  it('HAProxy serves HTTPS with the combined PEM (cert + chain + key) built in memory for deploying', async () => {
    const port = await freePort();
    const cfg = join(root, 'haproxy.cfg');
    // What the install engine sends to the load balancer; here it lands in this test's temp folder, not the site.
    const combined = join(root, 'web.pem');
    await writeFile(combined, await haproxyPemFor(site, 'web', PASS), { mode: 0o600 });
    await writeFile(
      cfg,
      [
        'global',
        '  log stderr format raw local0 err',
        'defaults',
        '  mode http',
        '  timeout connect 5s',
        '  timeout client 5s',
        '  timeout server 5s',
        'frontend web',
        `  bind 127.0.0.1:${port} ssl crt ${combined}`,
        '  http-request return status 200 content-type text/plain string "ok"',
        '',
      ].join('\n'),
    );
    const check = await run('haproxy', ['-c', '-f', cfg]).then(() => 0, (e: { code: number }) => e.code);
    expect(check).toBe(0);
    const server = await startServer(['haproxy', '-db', '-f', cfg], port);
    try {
      const ok = await handshake(port, pki.caCert, 'hospital-erp.local', ['-verify_hostname', 'hospital-erp.local']);
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toContain('Verify return code: 0 (ok)');
    } finally {
      server.kill();
    }
  });
});
