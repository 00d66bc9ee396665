import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, constants as cryptoConstants } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ApplianceError } from '../errors.js';
import type { ManifestSignature } from './manifest.js';

/** A public key the appliance trusts for bundle signatures. */
export interface TrustedKey {
  /** File name without .pub.pem, e.g. "vendor-dev": what the report shows. */
  name: string;
  keyId: string;
  key: KeyObject;
  file: string;
}

/** SHA-256 of the key's SubjectPublicKeyInfo DER, as lowercase hex: the key id in manifest.sig. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Accepts a key id as hex or base64 and returns lowercase hex (or the input if neither). */
export function normalizeKeyId(id: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(id)) return id.toLowerCase();
  const b = Buffer.from(id, 'base64');
  return b.length === 32 ? b.toString('hex') : id;
}

/**
 * Writes a new Ed25519 signing key pair: NAME.key.pem (PKCS#8, mode 0600), NAME.pub.pem (SPKI)
 * and NAME.keyid. Refuses to overwrite an existing key.
 */
export async function generateSigningKey(dir: string, name = 'vendor'): Promise<{ privateKeyFile: string; publicKeyFile: string; keyId: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new ApplianceError('VALIDATION', `--name "${name}": use letters, digits, ".", "-", "_".`);
  await mkdir(dir, { recursive: true });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  const privateKeyFile = resolve(dir, `${name}.key.pem`);
  const publicKeyFile = resolve(dir, `${name}.pub.pem`);
  const flag = fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY;
  try {
    await writeFile(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ApplianceError('CONFLICT', `${privateKeyFile} already exists; not overwriting a signing key.`);
    throw e;
  }
  await writeFile(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  await writeFile(join(dir, `${name}.keyid`), keyId + '\n', { mode: 0o644 });
  return { privateKeyFile, publicKeyFile, keyId };
}

/** Loads an unencrypted PEM private key (Ed25519 or RSA) for signing. */
export async function loadSigningKey(file: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    throw new ApplianceError('NOT_FOUND', `Signing key ${file} cannot be read.`);
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519' && key.asymmetricKeyType !== 'rsa') throw new Error(`unsupported type ${key.asymmetricKeyType}`);
    return key;
  } catch (e) {
    throw new ApplianceError('VALIDATION', `${file} is not an Ed25519 or RSA private key in PEM (${(e as Error).message}).`);
  }
}

const PSS = { padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

/** Signs the exact manifest bytes; the algorithm follows the key type. */
export function signManifest(manifestBytes: Buffer, key: KeyObject): ManifestSignature {
  if (key.asymmetricKeyType === 'ed25519') {
    return { alg: 'ed25519', keyId: keyIdOf(key), signature: sign(null, manifestBytes, key).toString('base64') };
  }
  const signature = sign('sha256', manifestBytes, { key, ...PSS }).toString('base64');
  return { alg: 'rsa-pss-sha256', keyId: keyIdOf(key), signature };
}

export { PSS as RSA_PSS_OPTIONS };

/** Reads one public key PEM file into a TrustedKey. */
export async function loadPublicKey(file: string): Promise<TrustedKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    throw new ApplianceError('NOT_FOUND', `Trusted key ${file} cannot be read.`);
  }
  try {
    const key = createPublicKey(pem);
    const name = basename(file).replace(/\.pub\.pem$|\.pem$/, '');
    return { name, keyId: keyIdOf(key), key, file: resolve(file) };
  } catch (e) {
    throw new ApplianceError('VALIDATION', `${file} is not a public key in PEM (${(e as Error).message}).`);
  }
}

/**
 * The trusted key set: every *.pub.pem in the given directories (missing directories are
 * skipped) plus the explicitly named files. Sorted by key id so the set hashes the same way.
 */
export async function loadTrustedKeys(opts: { dirs?: string[]; files?: string[] }): Promise<TrustedKey[]> {
  const keys = new Map<string, TrustedKey>();
  for (const dir of opts.dirs ?? []) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names.filter((x) => x.endsWith('.pub.pem')).sort()) {
      const k = await loadPublicKey(join(dir, n));
      if (!keys.has(k.keyId)) keys.set(k.keyId, k);
    }
  }
  for (const f of opts.files ?? []) {
    const k = await loadPublicKey(f);
    if (!keys.has(k.keyId)) keys.set(k.keyId, k);
  }
  return [...keys.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
}
