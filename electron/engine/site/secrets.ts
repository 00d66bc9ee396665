import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApplianceError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { createFileExclusive, writeFileAtomic } from './atomic-write.js';
import { sitePaths } from './paths.js';

/**
 * secrets.enc: a JSON map of secrets encrypted with the site passphrase.
 * Layout: one JSON header line (format, version, KDF parameters, salt, IV, tag), a newline,
 * then the base64 ciphertext. The header line is the GCM additional data, so changing a KDF
 * parameter or the salt is detected like a wrong passphrase. A new salt and IV on every write.
 */
const FORMAT = 'airgap-appliance-secrets';
const VERSION = 1;
/** scrypt N=2^17, r=8, p=1: about 0.3-0.5 s on a laptop, 128 MiB of memory. */
const KDF = { N: 2 ** 17, r: 8, p: 1 } as const;

interface Header {
  format: typeof FORMAT;
  version: number;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
}

function deriveKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(passphrase.normalize('NFC'), salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Encrypts a secrets map into the secrets.enc format. */
export async function encryptSecrets(passphrase: string, secrets: Record<string, string>, kdf: { N: number; r: number; p: number } = KDF): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, kdf);
  // The tag is only known after encrypting, so the authenticated header carries everything but the tag.
  const aad: Omit<Header, 'tag'> = { format: FORMAT, version: VERSION, kdf: 'scrypt', ...kdf, salt: salt.toString('base64'), cipher: 'aes-256-gcm', iv: iv.toString('base64') };
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(JSON.stringify(aad)));
  const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  const header: Header = { ...aad, tag: cipher.getAuthTag().toString('base64') };
  return `${JSON.stringify(header)}\n${body.toString('base64')}\n`;
}

/** Decrypts the secrets.enc format; a wrong passphrase (GCM tag failure) is PERMISSION. */
export async function decryptSecrets(passphrase: string, text: string, fileLabel = 'secrets.enc'): Promise<Record<string, string>> {
  const nl = text.indexOf('\n');
  let header: Header;
  try {
    header = JSON.parse(text.slice(0, nl)) as Header;
  } catch {
    throw new ApplianceError('INTEGRITY', `${fileLabel} is damaged: its header is not readable. Restore it from a copy of the site folder.`, { file: fileLabel });
  }
  if (header.format !== FORMAT || header.kdf !== 'scrypt' || header.cipher !== 'aes-256-gcm') {
    throw new ApplianceError('INTEGRITY', `${fileLabel} is not an Airgap Appliance secrets file.`, { file: fileLabel });
  }
  if (header.version !== VERSION) {
    throw new ApplianceError('UNSUPPORTED', `${fileLabel} has format version ${header.version}; this appliance reads version ${VERSION}. Use a newer appliance.`, { file: fileLabel });
  }
  if (!(header.N <= 2 ** 22 && header.r <= 32 && header.p <= 16)) {
    throw new ApplianceError('INTEGRITY', `${fileLabel} asks for unreasonable key-derivation parameters; it was not written by the appliance.`, { file: fileLabel });
  }
  // A full 16-byte tag and a 12-byte IV, or it is not ours: Node would accept a truncated tag.
  const tagBytes = typeof header.tag === 'string' ? Buffer.from(header.tag, 'base64') : Buffer.alloc(0);
  const ivBytes = typeof header.iv === 'string' ? Buffer.from(header.iv, 'base64') : Buffer.alloc(0);
  if (tagBytes.length !== 16 || ivBytes.length !== 12 || typeof header.salt !== 'string') {
    throw new ApplianceError('INTEGRITY', `${fileLabel} is damaged: its header has no valid IV, salt or authentication tag.`, { file: fileLabel });
  }
  const key = await deriveKey(passphrase, Buffer.from(header.salt, 'base64'), header);
  const { tag: _tag, ...aad } = header;
  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(JSON.stringify(aad)));
  decipher.setAuthTag(tagBytes);
  let plain: string;
  try {
    plain = Buffer.concat([decipher.update(Buffer.from(text.slice(nl + 1).trim(), 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new ApplianceError('PERMISSION', `wrong site passphrase (could not decrypt ${fileLabel}; nothing was changed)`, { file: fileLabel });
  }
  const map = JSON.parse(plain) as Record<string, string>;
  for (const v of Object.values(map)) registerSecret(v);
  return map;
}

/** Reads DIR/secrets.enc; `exists: false` when there is none yet. */
async function readSecretsFile(dir: string, passphrase: string): Promise<{ exists: boolean; secrets: Record<string, string> }> {
  const path = sitePaths(dir).secrets;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, secrets: {} };
    throw e;
  }
  return { exists: true, secrets: await decryptSecrets(passphrase, text, path) };
}

/**
 * Reads and decrypts DIR/secrets.enc. Every value is registered for redaction. A site without
 * secrets.enc has no secrets yet: returns {}.
 */
export async function readSecrets(dir: string, passphrase: string): Promise<Record<string, string>> {
  return (await readSecretsFile(dir, passphrase)).secrets;
}

/** The refusal when a secrets file is in the way: old secrets are never replaced by new ones. */
export function secretsInTheWay(dir: string): ApplianceError {
  const path = sitePaths(dir).secrets;
  return new ApplianceError(
    'CONFLICT',
    `${dir} already holds secrets.enc (from an earlier site, or one being created right now); nothing was changed. Move ${path} away or choose another folder; to recover that site, restore its site.yaml beside it.`,
    { dir, file: path },
  );
}

/**
 * Creates DIR/secrets.enc (mode 0600) and never replaces one: an existing file, even one
 * written a moment ago by a concurrent creation, fails with CONFLICT and stays as it was.
 */
export async function createSecrets(dir: string, passphrase: string, secrets: Record<string, string>): Promise<void> {
  for (const v of Object.values(secrets)) registerSecret(v);
  try {
    await createFileExclusive(sitePaths(dir).secrets, await encryptSecrets(passphrase, secrets), 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw secretsInTheWay(dir);
    throw e;
  }
}

/** Re-encrypts an existing secrets.enc the caller has just opened: a deliberate, atomic replace. */
async function replaceSecrets(dir: string, passphrase: string, secrets: Record<string, string>): Promise<void> {
  for (const v of Object.values(secrets)) registerSecret(v);
  await writeFileAtomic(sitePaths(dir).secrets, await encryptSecrets(passphrase, secrets), 0o600);
}

/**
 * Sets the whole map in DIR/secrets.enc. An existing file is replaced only after it opened with
 * this passphrase (a wrong one is PERMISSION and changes nothing); a missing one is created
 * exclusively. So secrets the caller could not read are never lost.
 */
export async function writeSecrets(dir: string, passphrase: string, secrets: Record<string, string>): Promise<void> {
  const { exists } = await readSecretsFile(dir, passphrase);
  if (exists) await replaceSecrets(dir, passphrase, secrets);
  else await createSecrets(dir, passphrase, secrets);
}

/**
 * Read-modify-write of secrets.enc. A wrong passphrase fails before anything is written;
 * `undefined` values delete keys. A site without secrets.enc gets one, created exclusively.
 */
export async function updateSecrets(dir: string, passphrase: string, changes: Record<string, string | undefined>): Promise<Record<string, string>> {
  const { exists, secrets: current } = await readSecretsFile(dir, passphrase);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete current[k];
    else current[k] = v;
  }
  if (exists) await replaceSecrets(dir, passphrase, current);
  else await createSecrets(dir, passphrase, current);
  return current;
}
