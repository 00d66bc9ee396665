// Site CA benchmark: `appliance pki init` (RSA 4096) + `pki issue` of every certificate of the
// default K3s plan, through the engine (no CLI start-up), median of several runs, against the
// same work done with the openssl command line in the same run. RSA key generation time is
// random (prime search), so the spread is reported too. Also the PBKDF2 cost of the CA key,
// and what encrypting server keys at rest costs: 10 RSA 2048 keys sealed under the CA unlock's
// derivation (what issue does: no PBKDF2 of their own), with one fresh PBKDF2 for all, and with
// one PBKDF2 per key, against `openssl pkcs8 -topk8` doing the same PBES2 encryption of ONE key;
// decrypting a site's keys for a deploy likewise.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { certificatePlan, initSiteCa, issueSiteCertificates, PassphraseKeys, PBKDF2_ITERATIONS, readServerKeyPem } from '../../electron/engine/pki/index.js';
import { decryptPrivateKey, deriveKey, encryptPrivateKey, encryptWithDerivedKey } from '../../electron/engine/pki/pkcs8.js';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';
import { loadSite } from '../../electron/engine/site/index.js';

const run = promisify(execFile);
const RUNS = 5;
const PASS = 'bench passphrase 1234';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => +(ms / 1000).toFixed(3);

/** The same CA + N server certificates with the openssl CLI (no name constraints, no encryption loop beyond openssl's default). */
async function opensslFlow(dir: string, names: string[]): Promise<number> {
  const t = performance.now();
  const ca = join(dir, 'ca.key');
  await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096', '-out', ca]);
  await run('openssl', ['req', '-x509', '-new', '-key', ca, '-sha256', '-days', '3650', '-subj', '/CN=Bench Root CA', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'nameConstraints=critical,permitted;DNS:hospital-erp.local', '-out', join(dir, 'ca.pem')]);
  // allSettled: a failing command must not leave the others writing while the folder is removed (that
  // hid the real error). -set_serial, not -CAcreateserial: parallel signers raced on one ca.srl file.
  const settled = await Promise.allSettled(
    names.map(async (n) => {
      const key = join(dir, `${n}.key`);
      await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
      await run('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${n}.hospital-erp.local`, '-out', join(dir, `${n}.csr`)]);
      await writeFile(join(dir, `${n}.ext`), `subjectAltName=DNS:${n}.hospital-erp.local\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
      await run('openssl', ['x509', '-req', '-in', join(dir, `${n}.csr`), '-CA', join(dir, 'ca.pem'), '-CAkey', ca, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '397', '-sha256', '-extfile', join(dir, `${n}.ext`), '-out', join(dir, `${n}.pem`)]);
    }),
  );
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return performance.now() - t;
}

const KEYS = 10;

/** Milliseconds to seal KEYS keys at rest: under a derivation already made (issue's way), with one fresh derivation, with one per key. */
async function sealCost(keys: KeyObject[]): Promise<{ reused: number; shared: number; perKey: number; decryptShared: number }> {
  let t = performance.now();
  const derived = await deriveKey(PASS);
  const afterDerive = performance.now();
  const pems = keys.map((k) => encryptWithDerivedKey(k, derived));
  const reused = performance.now() - afterDerive;
  const shared = performance.now() - t;
  t = performance.now();
  await Promise.all(keys.map((k) => encryptPrivateKey(k, PASS)));
  const perKey = performance.now() - t;
  t = performance.now();
  const unlock = new PassphraseKeys(PASS);
  await Promise.all(pems.map((pem) => decryptPrivateKey(pem, unlock, 'bench', 'server key')));
  return { reused, shared, perKey, decryptShared: performance.now() - t };
}

/** The standard tool encrypting one key the same way (PBES2, PBKDF2-HMAC-SHA256 x 600k, AES-256-CBC). */
async function opensslSealOne(dir: string, key: KeyObject): Promise<number> {
  const clear = join(dir, 'clear.pem');
  const pass = join(dir, 'pass');
  await writeFile(clear, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(pass, PASS, { mode: 0o600 });
  const t = performance.now();
  await run('openssl', ['pkcs8', '-topk8', '-in', clear, '-out', join(dir, 'enc.pem'), '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-iter', String(PBKDF2_ITERATIONS), '-passout', `file:${pass}`]);
  return performance.now() - t;
}

export default async function run_(): Promise<Record<string, unknown>> {
  const root = await mkdtemp(join(tmpdir(), 'pki-bench-'));
  try {
    const init: number[] = [];
    const issue: number[] = [];
    const total: number[] = [];
    const openssl: number[] = [];
    const cpu: number[] = [];
    let certificates = 0;
    for (let i = 0; i < RUNS; i++) {
      const dir = join(root, `site${i}`);
      await makePkiTestSite(dir, { topology: 'k3s-3', passphrase: PASS });
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await initSiteCa(dir, { passphrase: PASS, algorithm: 'rsa4096' });
      const t1 = performance.now();
      const results = await issueSiteCertificates(dir, { passphrase: PASS });
      const t2 = performance.now();
      const c = process.cpuUsage(c0);
      // CPU time of this process, thread pool included: what the work costs regardless of other load.
      cpu.push((c.user + c.system) / 1000);
      certificates = results.length;
      init.push(t1 - t0);
      issue.push(t2 - t1);
      total.push(t2 - t0);
      const od = join(root, `openssl${i}`);
      await run('mkdir', ['-p', od]);
      openssl.push(await opensslFlow(od, certificatePlan((await loadSite(dir)).config).map((c) => c.name)));
    }
    const t = performance.now();
    pbkdf2Sync(PASS, randomBytes(16), PBKDF2_ITERATIONS, 32, 'sha256');
    const kdf = performance.now() - t;
    // Keys at rest.
    const keys = Array.from({ length: KEYS }, () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const reused: number[] = [];
    const shared: number[] = [];
    const perKey: number[] = [];
    const decrypt: number[] = [];
    const osslOne: number[] = [];
    const deploy: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = await sealCost(keys);
      reused.push(c.reused);
      shared.push(c.shared);
      perKey.push(c.perKey);
      decrypt.push(c.decryptShared);
      osslOne.push(await opensslSealOne(root, keys[0]!));
      // Every key of a real site, decrypted in memory as a deploy would.
      const t0 = performance.now();
      const unlock = new PassphraseKeys(PASS);
      await Promise.all(['web', 'postgresql', 'redis', 'grafana', 'k3s-api'].map((n) => readServerKeyPem(join(root, 'site0'), n, unlock)));
      deploy.push(performance.now() - t0);
    }
    return {
      runs: RUNS,
      certificates,
      initRsa4096Seconds: { median: secs(median(init)), min: secs(Math.min(...init)), max: secs(Math.max(...init)) },
      issueAllSeconds: { median: secs(median(issue)), min: secs(Math.min(...issue)), max: secs(Math.max(...issue)) },
      totalSeconds: { median: secs(median(total)), min: secs(Math.min(...total)), max: secs(Math.max(...total)) },
      cpuSeconds: { median: secs(median(cpu)), min: secs(Math.min(...cpu)), max: secs(Math.max(...cpu)) },
      loadAverage1m: +os.loadavg()[0]!.toFixed(1),
      goalSeconds: 3,
      meetsGoal: median(total) < 3000,
      opensslCliSeconds: { median: secs(median(openssl)), min: secs(Math.min(...openssl)), max: secs(Math.max(...openssl)) },
      ratioToOpenssl: +(median(total) / median(openssl)).toFixed(2),
      pbkdf2Iterations: PBKDF2_ITERATIONS,
      pbkdf2Seconds: secs(kdf),
      keysAtRest: {
        keys: KEYS,
        sealUnderUnlockDerivationSeconds: secs(median(reused)),
        sealOneFreshDerivationSeconds: secs(median(shared)),
        sealDerivationPerKeySeconds: secs(median(perKey)),
        decryptOneDerivationSeconds: secs(median(decrypt)),
        opensslPkcs8OneKeySeconds: secs(median(osslOne)),
        // What issue pays for 10 keys, in units of openssl encrypting ONE key the same way.
        ratioSealTenToOpensslOne: +(median(reused) / median(osslOne)).toFixed(2),
        ratioSealTenFreshDerivationToOpensslOne: +(median(shared) / median(osslOne)).toFixed(3),
        deployDecryptFiveSiteKeysSeconds: secs(median(deploy)),
      },
      note: 'init includes opening secrets.enc (scrypt) to check the passphrase and PBKDF2 of the CA key; RSA key generation time varies run to run',
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
