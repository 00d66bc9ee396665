import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactText } from '../redact.js';
import { decryptSecrets, encryptSecrets, readSecrets, updateSecrets, writeSecrets } from './secrets.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('secrets.enc', () => {
  it('round-trips, hides the values, and registers them for redaction', async () => {
    await writeSecrets(dir, 'correct horse battery', { 'hosts.node1.password': 'S3cret-node1-pw', jwt: 'jwt-signing-key-value' });
    const raw = await readFile(join(dir, 'secrets.enc'), 'utf8');
    expect(raw).not.toContain('S3cret-node1-pw');
    const header = JSON.parse(raw.split('\n')[0]!);
    expect(header).toMatchObject({ format: 'airgap-appliance-secrets', version: 1, kdf: 'scrypt', N: 131072, r: 8, p: 1, cipher: 'aes-256-gcm' });
    expect(await readSecrets(dir, 'correct horse battery')).toEqual({ 'hosts.node1.password': 'S3cret-node1-pw', jwt: 'jwt-signing-key-value' });
    expect(redactText('login with S3cret-node1-pw')).toBe('login with [REDACTED]');
  });

  it('a wrong passphrase is PERMISSION and changes nothing', async () => {
    const before = await readFile(join(dir, 'secrets.enc'), 'utf8');
    await expect(readSecrets(dir, 'wrong passphrase')).rejects.toMatchObject({ code: 'PERMISSION', message: expect.stringMatching(/^wrong site passphrase/) });
    await expect(updateSecrets(dir, 'wrong passphrase', { x: 'y' })).rejects.toMatchObject({ code: 'PERMISSION' });
    expect(await readFile(join(dir, 'secrets.enc'), 'utf8')).toBe(before);
  });

  it('uses a fresh salt and IV on every write', async () => {
    const a = await encryptSecrets('pass phrase', { k: 'v' }, { N: 1024, r: 8, p: 1 });
    const b = await encryptSecrets('pass phrase', { k: 'v' }, { N: 1024, r: 8, p: 1 });
    const ha = JSON.parse(a.split('\n')[0]!);
    const hb = JSON.parse(b.split('\n')[0]!);
    expect(ha.salt).not.toBe(hb.salt);
    expect(ha.iv).not.toBe(hb.iv);
  });

  it('detects a tampered header (authenticated) and a tampered body', async () => {
    const text = await encryptSecrets('pass phrase', { k: 'value' }, { N: 1024, r: 8, p: 1 });
    const [h, body] = text.split('\n') as [string, string];
    const header = JSON.parse(h);
    const weaker = JSON.stringify({ ...header, N: 512 });
    await expect(decryptSecrets('pass phrase', `${weaker}\n${body}\n`)).rejects.toMatchObject({ code: 'PERMISSION' });
    const flipped = Buffer.from(body, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    await expect(decryptSecrets('pass phrase', `${h}\n${flipped.toString('base64')}\n`)).rejects.toMatchObject({ code: 'PERMISSION' });
    await expect(decryptSecrets('pass phrase', `garbage\n${body}`)).rejects.toMatchObject({ code: 'INTEGRITY' });
    await expect(decryptSecrets('pass phrase', `${JSON.stringify({ ...header, version: 9 })}\n${body}`)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    // A truncated authentication tag (Node would check only its first 4 bytes) or a missing IV is damage, not a wrong passphrase.
    const shortTag = JSON.stringify({ ...header, tag: Buffer.from(header.tag, 'base64').subarray(0, 4).toString('base64') });
    await expect(decryptSecrets('pass phrase', `${shortTag}\n${body}`)).rejects.toMatchObject({ code: 'INTEGRITY' });
    const { iv: _iv, ...noIv } = header;
    await expect(decryptSecrets('pass phrase', `${JSON.stringify(noIv)}\n${body}`)).rejects.toMatchObject({ code: 'INTEGRITY' });
  });

  it('updateSecrets adds and deletes keys', async () => {
    const d2 = await mkdtemp(join(tmpdir(), 'secrets2-'));
    await writeSecrets(d2, 'pass phrase two', { a: 'alpha-value', b: 'beta-value' });
    expect(await updateSecrets(d2, 'pass phrase two', { a: undefined, c: 'gamma-value' })).toEqual({ b: 'beta-value', c: 'gamma-value' });
    expect(await readSecrets(d2, 'pass phrase two')).toEqual({ b: 'beta-value', c: 'gamma-value' });
    await writeFile(join(d2, 'x'), '');
    await rm(d2, { recursive: true });
  });
});
