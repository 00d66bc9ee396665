import { verify } from 'node:crypto';
import { ManifestSignature } from './manifest.js';
import { normalizeKeyId, RSA_PSS_OPTIONS, type TrustedKey } from './keys.js';
import { clip, issueText, parseUntrustedJson } from './untrusted.js';

export type SignatureStatus = 'unsigned' | 'untrusted' | 'trusted' | 'invalid';

export interface SignatureResult {
  status: SignatureStatus;
  /** Name of the trusted key that signed it (status trusted). */
  keyName?: string;
  keyId?: string;
  alg?: string;
  /** One line for the report. */
  message: string;
}

/**
 * Checks manifest.sig against the trusted keys: unsigned (no manifest.sig), untrusted (signed
 * by a key not in the set: cannot be checked), invalid (malformed, or the signature does not
 * match the manifest bytes: edited after signing), trusted (matches a trusted key).
 */
export function checkSignature(manifestBytes: Buffer, sigBytes: Buffer | null, trusted: TrustedKey[]): SignatureResult {
  if (!sigBytes) return { status: 'unsigned', message: 'UNSIGNED: the bundle has no manifest.sig.' };
  let sig: ManifestSignature;
  try {
    const parsed = ManifestSignature.safeParse(parseUntrustedJson(sigBytes, 'manifest.sig'));
    if (!parsed.success) return { status: 'invalid', message: `malformed ${issueText('manifest.sig', parsed.error)}` };
    sig = parsed.data;
  } catch (e) {
    return { status: 'invalid', message: (e as Error).message };
  }
  const keyId = normalizeKeyId(sig.keyId);
  const key = trusted.find((k) => k.keyId === keyId);
  if (!key) return { status: 'untrusted', keyId: clip(keyId, 128), alg: sig.alg, message: `UNTRUSTED: signed by key ${keyId.slice(0, 16)}…, which is not a trusted key.` };
  const type = key.key.asymmetricKeyType;
  if ((sig.alg === 'ed25519') !== (type === 'ed25519') || (sig.alg === 'rsa-pss-sha256' && type !== 'rsa')) {
    return { status: 'invalid', keyId, alg: sig.alg, keyName: key.name, message: `manifest.sig says ${sig.alg} but trusted key ${key.name} is ${type}.` };
  }
  const signature = Buffer.from(sig.signature, 'base64');
  let ok: boolean;
  try {
    ok = sig.alg === 'ed25519' ? verify(null, manifestBytes, key.key, signature) : verify('sha256', manifestBytes, { key: key.key, ...RSA_PSS_OPTIONS }, signature);
  } catch {
    ok = false;
  }
  if (!ok) return { status: 'invalid', keyId, alg: sig.alg, keyName: key.name, message: `INVALID SIGNATURE: manifest.json does not match its signature by ${key.name} (edited after signing?).` };
  return { status: 'trusted', keyId, alg: sig.alg, keyName: key.name, message: `signed by trusted key ${key.name}` };
}
