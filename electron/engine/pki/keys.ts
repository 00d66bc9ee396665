import { generateKeyPair, type KeyObject } from 'node:crypto';

/** CA key algorithms: RSA 4096 by default (old hospital clients), ECDSA P-256 on request. */
export type CaAlgorithm = 'rsa4096' | 'ecdsa-p256';
/** Server key algorithms: RSA 2048 under an RSA CA, ECDSA P-256 under an ECDSA CA. */
export type KeyAlgorithm = CaAlgorithm | 'rsa2048';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Generates a key pair with Node's native crypto (OpenSSL, on the libuv thread pool, so the
 * event loop stays free). Never node-forge's generator: it falls back to pure JavaScript
 * prime search (tens of seconds for RSA 4096) whenever its native detection does not match.
 */
export function generateKey(algorithm: KeyAlgorithm): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve({ publicKey, privateKey }));
    if (algorithm === 'ecdsa-p256') generateKeyPair('ec', { namedCurve: 'prime256v1' }, done);
    else generateKeyPair('rsa', { modulusLength: algorithm === 'rsa4096' ? 4096 : 2048, publicExponent: 0x10001 }, done);
  });
}

/** The server key algorithm that goes with a CA algorithm. */
export function serverKeyAlgorithm(ca: CaAlgorithm): KeyAlgorithm {
  return ca === 'ecdsa-p256' ? 'ecdsa-p256' : 'rsa2048';
}

/** Describes a key for status output, e.g. "RSA 4096" or "ECDSA P-256". */
export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${d?.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') return d?.namedCurve === 'prime256v1' ? 'ECDSA P-256' : `ECDSA ${d?.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}
