import forge from 'node-forge';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Wrap Node's generateKeyPair in a spy that still calls the real one, to prove keys come from native crypto.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, default: real, generateKeyPair: vi.fn(real.generateKeyPair) };
});

const crypto = await import('node:crypto');
const { generateKey, describeKey, serverKeyAlgorithm } = await import('./keys.js');

describe('generateKey', () => {
  afterEach(() => vi.clearAllMocks());

  it('generates RSA 4096 with native crypto.generateKeyPair, never forge\'s JavaScript generator', async () => {
    const forgeGen = vi.spyOn(forge.pki.rsa, 'generateKeyPair');
    const pair = await generateKey('rsa4096');
    expect(crypto.generateKeyPair).toHaveBeenCalledTimes(1);
    expect(vi.mocked(crypto.generateKeyPair).mock.calls[0]![0]).toBe('rsa');
    expect(vi.mocked(crypto.generateKeyPair).mock.calls[0]![1]).toMatchObject({ modulusLength: 4096, publicExponent: 0x10001 });
    expect(forgeGen).not.toHaveBeenCalled();
    expect(describeKey(pair.publicKey)).toBe('RSA 4096');
    // A native KeyObject, usable by node:crypto directly.
    expect(pair.privateKey.type).toBe('private');
  });

  it('generates ECDSA P-256 natively', async () => {
    const pair = await generateKey('ecdsa-p256');
    expect(vi.mocked(crypto.generateKeyPair).mock.calls[0]).toEqual(['ec', { namedCurve: 'prime256v1' }, expect.any(Function)]);
    expect(describeKey(pair.publicKey)).toBe('ECDSA P-256');
  });

  it('pairs server keys with the CA algorithm', () => {
    expect(serverKeyAlgorithm('rsa4096')).toBe('rsa2048');
    expect(serverKeyAlgorithm('ecdsa-p256')).toBe('ecdsa-p256');
  });
});
