import { afterEach, describe, expect, it } from 'vitest';
import { clearRegisteredSecrets, isRegisteredSecret, REDACTED, redactText, redactValue, registerSecret, withSecretScope } from './redact.js';

describe('redaction', () => {
  afterEach(() => clearRegisteredSecrets());

  it('masks registered secret values wherever they appear', () => {
    registerSecret('hunter2-Very-Secret');
    expect(redactText('sshpass failed for hunter2-Very-Secret at node1')).toBe(`sshpass failed for ${REDACTED} at node1`);
  });

  it('masks PEM private keys, password assignments, bearer tokens and URL credentials', () => {
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    expect(redactText(`key: ${pem}`)).not.toContain('abc');
    expect(redactText('POSTGRES_PASSWORD=s3cr3t other=1')).toBe(`POSTGRES_PASSWORD=${REDACTED} other=1`);
    expect(redactText('Authorization: Bearer eyJabc.def')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('postgres://app:pw123@db:5432/x')).toBe(`postgres://app:${REDACTED}@db:5432/x`);
  });

  it('masks values under secret-looking keys in objects', () => {
    expect(redactValue({ user: 'root', password: 'x', nested: [{ sshPassphrase: 'y', host: 'a' }] })).toEqual({
      user: 'root',
      password: REDACTED,
      nested: [{ sshPassphrase: REDACTED, host: 'a' }],
    });
  });

  it('leaves ordinary text alone, including sentences about passphrases', () => {
    expect(redactText('node1: 8 cores, 32 GiB')).toBe('node1: 8 cores, 32 GiB');
    expect(redactText('Wrong site passphrase: it does not unlock the CA key')).toBe('Wrong site passphrase: it does not unlock the CA key');
  });

  it('masks upper-case KEY: value lines and quoted JSON secret keys', () => {
    expect(redactText('REDIS_PASSWORD: abc123')).toBe(`REDIS_PASSWORD: ${REDACTED}`);
    expect(redactText('{"password": "abc", "user": "x"}')).toBe(`{"password": "${REDACTED}", "user": "x"}`);
    expect(redactText('db_password=abc')).toBe(`db_password=${REDACTED}`);
  });

  it('a scope holds what is registered inside it (through the async context), masks it everywhere meanwhile, and forgets it when its last user leaves', async () => {
    let release!: () => void;
    const second = new Promise<void>((r) => (release = r));
    const a = withSecretScope('site:/x', async () => {
      await new Promise((r) => setImmediate(r));
      registerSecret('Deep-Engine-Secret');
    });
    const b = withSecretScope('site:/x', () => second);
    await a;
    expect(redactText('pw Deep-Engine-Secret')).toBe(`pw ${REDACTED}`);
    release();
    await b;
    expect(isRegisteredSecret('Deep-Engine-Secret')).toBe(false);
    expect(redactText('pw Deep-Engine-Secret')).toBe('pw Deep-Engine-Secret');
  });

  it('outside any scope a secret is registered for the process (the CLI)', async () => {
    await withSecretScope('call:1', async () => registerSecret('Scoped-Only-1'));
    registerSecret('Process-Wide-1');
    expect(isRegisteredSecret('Scoped-Only-1')).toBe(false);
    expect(isRegisteredSecret('Process-Wide-1')).toBe(true);
  });
});
