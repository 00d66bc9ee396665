import { createCipheriv, createDecipheriv, createPrivateKey, type KeyObject, pbkdf2 as pbkdf2Cb, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { ApplianceError } from '../errors.js';

const { asn1 } = forge;
const UNI = asn1.Class.UNIVERSAL;
const T = asn1.Type;

/**
 * Encrypted PKCS#8 (RFC 8018 PBES2) written and read here rather than by node-forge or Node:
 * forge's encryptPrivateKeyInfo runs PBKDF2 in pure JavaScript when the PRF is SHA-256
 * (minutes at our iteration count), and Node's KeyObject.export fixes the count at OpenSSL's
 * default of 2048. Key derivation and AES here are Node's native crypto; the ASN.1 is forge's.
 * `openssl pkey -in ca.key -passin file:...` reads the result (tested).
 */
export const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

/**
 * PBKDF2-HMAC-SHA256 iterations: OWASP's 2023 figure. Measured on this kind of machine at
 * about 0.25 s natively (see docs/pki.md); paid once per CA unlock, not per certificate: the
 * server keys are sealed under the unlock's derivation (see derivedKeyOf).
 */
export const PBKDF2_ITERATIONS = 600_000;
/** Upper bound accepted when reading, so a crafted file cannot stall the app for hours. */
const MAX_ITERATIONS = 50_000_000;

function pbkdf2(passphrase: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => pbkdf2Cb(Buffer.from(passphrase.normalize('NFC'), 'utf8'), salt, iterations, 32, 'sha256', (e, k) => (e ? reject(e) : resolve(k))));
}

/** A PBKDF2 result with the salt and count it came from, so it can be written into each key file. */
export interface DerivedKey {
  salt: Buffer;
  iterations: number;
  key: Buffer;
}

/** Runs PBKDF2 once with a fresh salt; the result can encrypt several keys (each gets its own IV). */
export async function deriveKey(passphrase: string, iterations = PBKDF2_ITERATIONS): Promise<DerivedKey> {
  const salt = randomBytes(16);
  return { salt, iterations, key: await pbkdf2(passphrase, salt, iterations) };
}

/**
 * The site passphrase for reading several key files: PBKDF2 runs once per distinct salt and
 * count (keys written by one operation share them), not once per file.
 */
export class PassphraseKeys {
  readonly #passphrase: string;
  readonly #cache = new Map<string, Promise<Buffer>>();
  constructor(passphrase: string) {
    this.#passphrase = passphrase;
  }
  derive(salt: Buffer, iterations: number): Promise<Buffer> {
    const id = `${salt.toString('hex')}:${iterations}`;
    let k = this.#cache.get(id);
    if (!k) this.#cache.set(id, (k = pbkdf2(this.#passphrase, salt, iterations)));
    return k;
  }
}

const oid = (o: string) => asn1.create(UNI, T.OID, false, asn1.oidToDer(o).getBytes());
const octets = (b: Buffer) => asn1.create(UNI, T.OCTETSTRING, false, b.toString('binary'));
const int = (n: number) => asn1.create(UNI, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const seq = (v: forge.asn1.Asn1[]) => asn1.create(UNI, T.SEQUENCE, true, v);

/** Encrypts a private key as PEM "ENCRYPTED PRIVATE KEY" under the passphrase. */
export async function encryptPrivateKey(key: KeyObject, passphrase: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  return encryptWithDerivedKey(key, await deriveKey(passphrase, iterations));
}

/** Encrypts a private key under an already derived key (standard PBES2 all the same; a fresh IV per key). */
export function encryptWithDerivedKey(key: KeyObject, derived: DerivedKey): string {
  const { salt, iterations, key: dk } = derived;
  const plain = key.export({ type: 'pkcs8', format: 'der' });
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', dk, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  const info = seq([
    seq([
      oid(OID.pbes2),
      seq([
        seq([oid(OID.pbkdf2), seq([octets(salt), int(iterations), int(32), seq([oid(OID.hmacWithSHA256), asn1.create(UNI, T.NULL, false, '')])])]),
        seq([oid(OID.aes256Cbc), octets(iv)]),
      ]),
    ]),
    octets(encrypted),
  ]);
  const der = Buffer.from(asn1.toDer(info).getBytes(), 'binary');
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}

interface Pbes2Params {
  salt: Buffer;
  iterations: number;
  iv: Buffer;
  encrypted: Buffer;
}

/** Parses the PEM structure; anything unexpected is INTEGRITY naming the file. `what` names the key in messages. */
export function parseEncryptedPrivateKey(pem: string, file: string, what = 'CA key'): Pbes2Params {
  const damaged = (why: string) => new ApplianceError('INTEGRITY', `The ${what} file ${file} is damaged or not an encrypted key written by this app (${why}). Restore pki/ from a copy of the site folder.`, { file });
  const m = /-----BEGIN ENCRYPTED PRIVATE KEY-----([\s\S]*?)-----END ENCRYPTED PRIVATE KEY-----/.exec(pem);
  if (!m) throw damaged('no "ENCRYPTED PRIVATE KEY" block');
  try {
    const root = asn1.fromDer(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('binary'));
    const [alg, data] = root.value as forge.asn1.Asn1[];
    const [algOid, params] = alg!.value as forge.asn1.Asn1[];
    if (asn1.derToOid(algOid!.value as string) !== OID.pbes2) throw new Error('not PBES2');
    const [kdf, enc] = params!.value as forge.asn1.Asn1[];
    const [kdfOid, kdfParams] = kdf!.value as forge.asn1.Asn1[];
    if (asn1.derToOid(kdfOid!.value as string) !== OID.pbkdf2) throw new Error('not PBKDF2');
    const kp = kdfParams!.value as forge.asn1.Asn1[];
    const salt = Buffer.from(kp[0]!.value as string, 'binary');
    const iterations = asn1.derToInteger(kp[1]!.value as string);
    const prf = kp.find((x) => x.type === T.SEQUENCE);
    if (!prf || asn1.derToOid((prf.value as forge.asn1.Asn1[])[0]!.value as string) !== OID.hmacWithSHA256) throw new Error('PRF is not HMAC-SHA256');
    const [encOid, iv] = enc!.value as forge.asn1.Asn1[];
    if (asn1.derToOid(encOid!.value as string) !== OID.aes256Cbc) throw new Error('cipher is not AES-256-CBC');
    if (!(iterations >= 1 && iterations <= MAX_ITERATIONS)) throw new Error(`iteration count ${iterations} out of range`);
    return { salt, iterations, iv: Buffer.from(iv!.value as string, 'binary'), encrypted: Buffer.from(data!.value as string, 'binary') };
  } catch (e) {
    if (e instanceof ApplianceError) throw e;
    throw damaged((e as Error).message);
  }
}

/**
 * The derived key an encrypted PEM was written under (its salt and count, PBKDF2 through the
 * cache): issue seals the server keys under the CA key's derivation, already paid for by the
 * unlock, so they cost no PBKDF2 of their own. Only call after that PEM decrypted correctly.
 */
export async function derivedKeyOf(pem: string, keys: PassphraseKeys, file: string): Promise<DerivedKey> {
  const p = parseEncryptedPrivateKey(pem, file);
  return { salt: p.salt, iterations: p.iterations, key: await keys.derive(p.salt, p.iterations) };
}

/**
 * Decrypts an encrypted PKCS#8 PEM. A wrong passphrase is PERMISSION (the CBC padding or the
 * PKCS#8 inside does not check out); a malformed file is INTEGRITY naming `file`.
 */
export async function decryptPrivateKey(pem: string, passphrase: string | PassphraseKeys, file: string, what = 'CA key'): Promise<KeyObject> {
  const p = parseEncryptedPrivateKey(pem, file, what);
  const dk = typeof passphrase === 'string' ? await pbkdf2(passphrase, p.salt, p.iterations) : await passphrase.derive(p.salt, p.iterations);
  try {
    const decipher = createDecipheriv('aes-256-cbc', dk, p.iv);
    const plain = Buffer.concat([decipher.update(p.encrypted), decipher.final()]);
    return createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
  } catch {
    throw new ApplianceError('PERMISSION', `Wrong site passphrase: it does not unlock the ${what} ${file}.`, { file });
  }
}
