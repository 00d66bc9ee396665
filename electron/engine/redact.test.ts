import { afterEach, describe, expect, it } from 'vitest';
import { clearRegisteredSecrets, REDACTED, redactText, redactValue, registerSecret } from './redact.js';

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
});
