import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ApplianceError, throwIfAborted } from '../errors.js';
import { writeFileAtomic } from '../site/atomic-write.js';
import { type CaAlgorithm, describeKey, generateKey } from './keys.js';
import { NAME_CONSTRAINTS_OID, nameConstraintsDer, parseNameConstraints, type PermittedNames } from './name-constraints.js';
import { pkiPaths } from './paths.js';
import { decryptPrivateKey, encryptPrivateKey, type PassphraseKeys, PBKDF2_ITERATIONS } from './pkcs8.js';
import { randomSerialHex, readExtensions, signCertificate, subjectKeyIdentifierExt } from './x509.js';

/** CA lifetime: 10 years. Server certificates are short (397 days), the root is not re-deployed often. */
export const CA_VALIDITY_YEARS = 10;

export const CaMeta = z.object({
  schemaVersion: z.literal(1),
  algorithm: z.enum(['rsa4096', 'ecdsa-p256']),
  created: z.string(),
  fingerprintSha256: z.string(),
  /** SHA-256 of ca.key as written: a mismatch means the file was damaged, not a wrong passphrase. */
  keyFileSha256: z.string(),
  kdf: z.object({ name: z.literal('pbkdf2-hmac-sha256'), iterations: z.number().int(), cipher: z.literal('aes-256-cbc') }),
});
export type CaMeta = z.infer<typeof CaMeta>;

export interface InitCaOptions {
  pkiDir: string;
  /** Shown in the CA's subject: "<siteName> Root CA". */
  siteName: string;
  permitted: PermittedNames;
  passphrase: string;
  algorithm?: CaAlgorithm;
  /** Replace an existing CA (the current key must unlock with the passphrase; the old CA is kept under retired/). */
  force?: boolean;
  /** PBKDF2 iterations for ca.key (tests may lower it; the default is PBKDF2_ITERATIONS). */
  iterations?: number;
  now?: Date;
  signal?: AbortSignal;
  /** Proves the passphrase is the site's (e.g. by opening secrets.enc); runs while the key is generated, awaited before anything is written. */
  checkPassphrase?: () => Promise<unknown>;
}

export interface LoadedCa {
  cert: X509Certificate;
  pem: string;
  meta: CaMeta;
  permitted: PermittedNames;
}

export interface UnlockedCa extends LoadedCa {
  privateKey: KeyObject;
  /** ca.key as read (encrypted): its salt and count are reused to seal server keys (see derivedKeyOf). */
  keyFilePem: string;
}

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the site root CA: key pair (native), self-signed certificate with basicConstraints
 * CA:true pathlen:0, keyUsage keyCertSign+cRLSign, subjectKeyIdentifier and critical name
 * constraints, key written as encrypted PKCS#8. Refuses (CONFLICT) when a CA exists unless
 * `force`, and then only after the current key unlocks with the given passphrase.
 */
export async function initCa(opts: InitCaOptions): Promise<LoadedCa> {
  const paths = pkiPaths(opts.pkiDir);
  const algorithm = opts.algorithm ?? 'rsa4096';
  const now = opts.now ?? new Date();
  if (await exists(paths.caCert)) {
    if (!opts.force) throw new ApplianceError('CONFLICT', `The site already has a CA (${paths.caCert}). Re-creating it invalidates every issued certificate; pass --force to do so.`, { file: paths.caCert });
    await unlockCa(opts.pkiDir, opts.passphrase); // proves the operator holds the current CA
  }
  throwIfAborted(opts.signal);
  // The passphrase check runs beside key generation; a wrong passphrase fails at once (Promise.all
  // rejects on the first failure) instead of after the RSA prime search.
  const [key] = await Promise.all([generateKey(algorithm), opts.checkPassphrase?.()]);
  throwIfAborted(opts.signal);
  const cn = `${opts.siteName.slice(0, 56)} Root CA`;
  const name = [
    { name: 'commonName', value: cn },
    { name: 'organizationName', value: opts.siteName.slice(0, 64) },
    { shortName: 'OU', value: 'Airgap Appliance site CA' },
  ];
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const { pem } = signCertificate(
    {
      serialHex: randomSerialHex(),
      subject: name,
      issuer: name,
      // An hour back: a client whose clock is a little behind must not see "not yet valid".
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter,
      subjectPublicKey: key.publicKey,
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        subjectKeyIdentifierExt(key.publicKey),
        { id: NAME_CONSTRAINTS_OID, critical: true, value: nameConstraintsDer(opts.permitted) },
      ],
    },
    key.privateKey,
  );
  const iterations = opts.iterations ?? PBKDF2_ITERATIONS;
  const keyPem = await encryptPrivateKey(key.privateKey, opts.passphrase, iterations);
  const cert = new X509Certificate(pem);
  const meta: CaMeta = {
    schemaVersion: 1,
    algorithm,
    created: now.toISOString(),
    fingerprintSha256: cert.fingerprint256,
    keyFileSha256: sha256(keyPem),
    kdf: { name: 'pbkdf2-hmac-sha256', iterations, cipher: 'aes-256-cbc' },
  };
  throwIfAborted(opts.signal);
  await mkdir(opts.pkiDir, { recursive: true, mode: 0o700 });
  if (await exists(paths.caCert)) await retire(opts.pkiDir, now);
  // Key first, certificate last: a half-finished init leaves no ca.pem, so it reads as "no CA".
  await writeFileAtomic(paths.caKey, keyPem, 0o600);
  await writeFileAtomic(paths.caMeta, JSON.stringify(meta, null, 2) + '\n', 0o644);
  await writeFileAtomic(paths.caCert, pem, 0o644);
  return { cert, pem, meta, permitted: opts.permitted };
}

/** Moves the current CA files and everything it issued to retired/<time>/. */
async function retire(pkiDir: string, now: Date): Promise<void> {
  const p = pkiPaths(pkiDir);
  const dest = join(p.retiredDir, now.toISOString().replace(/[:.]/g, '-'));
  await mkdir(dest, { recursive: true, mode: 0o700 });
  for (const [from, to] of [
    [p.caCert, 'ca.pem'],
    [p.caKey, 'ca.key'],
    [p.caMeta, 'ca.json'],
    [p.inventory, 'inventory.json'],
    [p.issuedDir, 'issued'],
  ] as const) {
    await rename(from, join(dest, to)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}

/** Reads the CA certificate and metadata (no passphrase needed). NOT_FOUND when the site has no CA yet. */
export async function loadCa(pkiDir: string): Promise<LoadedCa> {
  const paths = pkiPaths(pkiDir);
  let pem: string;
  try {
    pem = await readFile(paths.caCert, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ApplianceError('NOT_FOUND', `The site has no CA yet (${paths.caCert} is missing). Create it with "appliance pki init".`, { file: paths.caCert });
    throw e;
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new ApplianceError('INTEGRITY', `The CA certificate ${paths.caCert} is damaged (not a readable certificate). Restore pki/ from a copy of the site folder.`, { file: paths.caCert });
  }
  let meta: CaMeta;
  try {
    meta = CaMeta.parse(JSON.parse(await readFile(paths.caMeta, 'utf8')));
  } catch {
    throw new ApplianceError('INTEGRITY', `The CA metadata ${paths.caMeta} is missing or damaged. Restore pki/ from a copy of the site folder.`, { file: paths.caMeta });
  }
  const nc = readExtensions(cert.raw).get(NAME_CONSTRAINTS_OID);
  const permitted = nc ? parseNameConstraints(nc.value) : { dns: [], ip: [] };
  return { cert, pem, meta, permitted: { dns: permitted.dns, ip: permitted.ip } };
}

/**
 * Loads the CA and decrypts its key. A damaged key file (digest differs from ca.json, or not
 * parseable) is INTEGRITY naming the file; a wrong passphrase is PERMISSION. Nothing is written.
 */
export async function unlockCa(pkiDir: string, passphrase: string | PassphraseKeys): Promise<UnlockedCa> {
  const ca = await loadCa(pkiDir);
  const file = pkiPaths(pkiDir).caKey;
  let keyPem: string;
  try {
    keyPem = await readFile(file, 'utf8');
  } catch {
    throw new ApplianceError('NOT_FOUND', `The CA key ${file} is missing. Restore pki/ from a copy of the site folder.`, { file });
  }
  if (sha256(keyPem) !== ca.meta.keyFileSha256) {
    throw new ApplianceError('INTEGRITY', `The CA key file ${file} is damaged: its content changed since the CA was created (SHA-256 differs from ca.json). Restore pki/ from a copy of the site folder.`, { file });
  }
  const privateKey = await decryptPrivateKey(keyPem, passphrase, file);
  if (!ca.cert.checkPrivateKey(privateKey)) {
    throw new ApplianceError('INTEGRITY', `The CA key ${file} does not belong to the CA certificate ${pkiPaths(pkiDir).caCert}.`, { file });
  }
  return { ...ca, privateKey, keyFilePem: keyPem };
}

/** Short description of the CA key, e.g. "RSA 4096". */
export function caKeyDescription(ca: LoadedCa): string {
  return describeKey(ca.cert.publicKey);
}
