import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { childEnv } from './child-env.js';
import { LocalTarget } from './targets/local-target.js';

describe('child process environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('drops the site passphrase, password/secret/token variables and the agent socket', () => {
    process.env.APPLIANCE_PASSPHRASE = 'correct horse';
    process.env.PGPASSWORD = 'pg';
    process.env.SSH_AUTH_SOCK = '/tmp/agent.sock';
    process.env.KEEP_ME = 'yes';
    const env = childEnv({ EXTRA: '1' });
    expect(env.APPLIANCE_PASSPHRASE).toBeUndefined();
    expect(env.PGPASSWORD).toBeUndefined();
    expect(env.SSH_AUTH_SOCK).toBeUndefined();
    expect(env).toMatchObject({ KEEP_ME: 'yes', EXTRA: '1' });
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('a LocalTarget command cannot read the passphrase from its environment', async () => {
    process.env.APPLIANCE_PASSPHRASE = 'correct horse battery';
    const r = await new LocalTarget().exec(['env']);
    expect(r.stdout).not.toContain('correct horse battery');
    expect(r.stdout).toContain('PATH=');
    // The control: the same command through a plain child inherits it.
    const plain = await execa('env');
    expect(plain.stdout).toContain('correct horse battery');
  });
});
