import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptPrivateKey, encryptPrivateKey, PBKDF2_ITERATIONS } from './pkcs8.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const der = (k: import('node:crypto').KeyObject) => k.export({ type: 'pkcs8', format: 'der' }).toString('hex');

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('encrypted PKCS#8', () => {
  it('round-trips under the passphrase and records the iteration count', async () => {
    const pem = await encryptPrivateKey(privateKey, 'correct horse', 1000);
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(der(await decryptPrivateKey(pem, 'correct horse', 'ca.key'))).toBe(der(privateKey));
  });

  it('defaults to at least 600,000 PBKDF2 iterations', () => {
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
  });

  it('a wrong passphrase is PERMISSION', async () => {
    const pem = await encryptPrivateKey(privateKey, 'correct horse', 1000);
    expect(await code(decryptPrivateKey(pem, 'wrong horse', 'ca.key'))).toBe('PERMISSION');
  });

  it('a damaged file is INTEGRITY and names the file', async () => {
    await expect(decryptPrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n', 'x', '/site/pki/ca.key')).rejects.toThrow(/\/site\/pki\/ca\.key is damaged/);
    expect(await code(decryptPrivateKey('hello', 'x', 'ca.key'))).toBe('INTEGRITY');
  });
});
