import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ApplianceError } from '../errors.js';
import { type IssuedPaths, issuedPaths } from './paths.js';
import { decryptPrivateKey, type DerivedKey, encryptWithDerivedKey, PassphraseKeys } from './pkcs8.js';

/**
 * Server keys at rest: key.pem is encrypted PKCS#8 under the site passphrase (the same format
 * as ca.key, so `openssl pkey -passin` opens it), and key.json records digests that let
 * `issue` tell, without the passphrase, that key.pem is intact and belongs to cert.pem. The
 * clear key exists only in memory (readServerKey) or in a file an explicit export writes.
 */
export const ServerKeyMeta = z.object({
  schemaVersion: z.literal(1),
  /** SHA-256 of key.pem as written: a mismatch means damage, not a wrong passphrase. */
  keyFileSha256: z.string(),
  /** SHA-256 of the key's SubjectPublicKeyInfo (DER): must equal the certificate's. */
  publicKeySha256: z.string(),
  kdf: z.object({ name: z.literal('pbkdf2-hmac-sha256'), iterations: z.number().int(), cipher: z.literal('aes-256-cbc') }),
});
export type ServerKeyMeta = z.infer<typeof ServerKeyMeta>;

/** A PEM block of an unencrypted private key: PKCS#8, or the traditional RSA/EC/DSA forms. */
export const CLEAR_KEY_BLOCK = /-----BEGIN (?:RSA |EC |DSA )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC |DSA )?PRIVATE KEY-----\n?/;

export const hasClearKey = (text: string): boolean => CLEAR_KEY_BLOCK.test(text);

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** SHA-256 of the SPKI of a private or public key (or a certificate's public key). */
export function publicKeySha256(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return sha256(pub.export({ type: 'spki', format: 'der' }));
}

/** Encrypts a server key for key.pem and describes it for key.json. */
export function sealServerKey(privateKey: KeyObject, derived: DerivedKey): { keyPem: string; metaJson: string } {
  const keyPem = encryptWithDerivedKey(privateKey, derived);
  const meta: ServerKeyMeta = {
    schemaVersion: 1,
    keyFileSha256: sha256(keyPem),
    publicKeySha256: publicKeySha256(privateKey),
    kdf: { name: 'pbkdf2-hmac-sha256', iterations: derived.iterations, cipher: 'aes-256-cbc' },
  };
  return { keyPem, metaJson: JSON.stringify(meta, null, 2) + '\n' };
}

async function readMeta(p: IssuedPaths): Promise<ServerKeyMeta | null> {
  try {
    return ServerKeyMeta.parse(JSON.parse(await readFile(p.keyMeta, 'utf8')));
  } catch {
    return null;
  }
}

/** What a certificate's key looks like on disk, read without the passphrase. */
export type KeyCheck =
  | { state: 'encrypted' }
  /** Written by an older version: the migration encrypts it (the key itself is fine). */
  | { state: 'clear'; key: KeyObject }
  | { state: 'bad'; reason: string };

/** Checks that key.pem is intact and belongs to `cert`, without decrypting it. */
export async function checkServerKey(p: IssuedPaths, cert: X509Certificate): Promise<KeyCheck> {
  let text: string;
  try {
    text = await readFile(p.key, 'utf8');
  } catch {
    return { state: 'bad', reason: 'key file missing or unreadable' };
  }
  const clear = CLEAR_KEY_BLOCK.exec(text);
  if (clear) {
    let key: KeyObject;
    try {
      key = createPrivateKey(clear[0]);
    } catch {
      return { state: 'bad', reason: 'key file missing or unreadable' };
    }
    return cert.checkPrivateKey(key) ? { state: 'clear', key } : { state: 'bad', reason: 'key does not match certificate' };
  }
  const meta = await readMeta(p);
  if (!meta || meta.keyFileSha256 !== sha256(text)) return { state: 'bad', reason: 'key file damaged (differs from key.json)' };
  if (meta.publicKeySha256 !== publicKeySha256(cert.publicKey)) return { state: 'bad', reason: 'key does not match certificate' };
  return { state: 'encrypted' };
}

/** Certificate names are folder names under pki/issued/: nothing that could climb out of it. */
export function assertCertificateName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw new ApplianceError('VALIDATION', `"${name.slice(0, 80)}" is not a certificate name: use the names "appliance pki list" shows (lowercase letters, digits and "-").`);
  }
}

export interface ServerKeyMaterial {
  name: string;
  cert: X509Certificate;
  certPem: string;
  chainPem: string;
  /** The decrypted key, in memory only. */
  key: KeyObject;
}

/**
 * Reads one issued certificate and decrypts its key in memory. Missing certificate or key is
 * NOT_FOUND, a damaged key file or a key that does not match is INTEGRITY (naming the file),
 * a wrong passphrase is PERMISSION. Reads only; a still-clear key (older site) is accepted.
 */
export async function readServerKey(pkiDir: string, name: string, passphrase: string | PassphraseKeys): Promise<ServerKeyMaterial> {
  assertCertificateName(name);
  const p = issuedPaths(pkiDir, name);
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ApplianceError('NOT_FOUND', `The site has no ${what} for "${name}" (${file} is missing). Issue it with "appliance pki issue".`, { file });
      throw e;
    }
  };
  const certPem = await read(p.cert, 'certificate');
  const chainPem = await read(p.chain, 'certificate chain');
  const keyText = await read(p.key, 'private key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new ApplianceError('INTEGRITY', `The certificate ${p.cert} is damaged (not a readable certificate). Reissue it with "appliance pki renew --within 400d".`, { file: p.cert });
  }
  let key: KeyObject;
  const clear = CLEAR_KEY_BLOCK.exec(keyText);
  if (clear) {
    key = createPrivateKey(clear[0]);
  } else {
    const meta = await readMeta(p);
    if (meta && meta.keyFileSha256 !== sha256(keyText)) {
      throw new ApplianceError('INTEGRITY', `The server key file ${p.key} is damaged: its content changed since it was written (SHA-256 differs from key.json). Reissue it with "appliance pki renew --within 400d".`, { file: p.key });
    }
    key = await decryptPrivateKey(keyText, passphrase, p.key, 'server key');
  }
  if (!cert.checkPrivateKey(key)) throw new ApplianceError('INTEGRITY', `The server key ${p.key} does not belong to the certificate ${p.cert}.`, { file: p.key });
  return { name, cert, certPem, chainPem, key };
}

/** Certificate + chain + clear key in one PEM, the form HAProxy's `crt` wants. In memory only. */
export function haproxyPem(m: ServerKeyMaterial): string {
  return m.certPem + m.chainPem + (m.key.export({ type: 'pkcs8', format: 'pem' }) as string);
}
