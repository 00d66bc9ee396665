import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../dispatch.js';

// Through the real dispatcher, as the renderer calls it: secrets go in, never come out.
const paths = { resourcesDir: tmpdir(), dataDir: tmpdir() };
const PASSPHRASE = 'handler test passphrase';
const PASSWORD = 'Handler-Host-Pw-99';
const KEY_PASSPHRASE = 'Handler-Key-Pass-77';

describe('site.* calls', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'site-calls-'));
    await writeFile(join(root, 'id_test'), 'placeholder key file');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('init, addHost (write-only secrets), open: no secret is ever returned', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const dir = join(root, 'site');
    const init = await d.dispatch('site.init', { task: 'a', input: { dir, name: 'Call Hospital', topology: 'k3s-3', passphrase: PASSPHRASE } }, () => {});
    expect(init).toMatchObject({ ok: true, value: { name: 'Call Hospital', topology: 'k3s-3', hosts: [] } });

    const add = await d.dispatch(
      'site.addHost',
      { task: 'b', input: { dir, passphrase: PASSPHRASE, host: { name: 'node1', address: '192.168.10.10', user: 'admin', auth: 'password' }, password: PASSWORD } },
      () => {},
    );
    expect(add).toMatchObject({ ok: true, value: { hosts: [{ name: 'node1', auth: 'password', port: 22, role: 'server', hasSecret: true }] } });
    const add2 = await d.dispatch(
      'site.addHost',
      { task: 'c', input: { dir, passphrase: PASSPHRASE, host: { name: 'node2', address: '192.168.10.11', user: 'admin', auth: 'key', keyPath: join(root, 'id_test') }, keyPassphrase: KEY_PASSPHRASE } },
      () => {},
    );
    expect(add2.ok).toBe(true);
    const open = await d.dispatch('site.open', { task: 'd', input: { dir } }, () => {});
    expect(open).toMatchObject({ ok: true, value: { hosts: [{ name: 'node1' }, { name: 'node2', keyPath: join(root, 'id_test') }] } });
    for (const r of [init, add, add2, open]) {
      const text = JSON.stringify(r);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(KEY_PASSPHRASE);
      expect(text).not.toContain(PASSPHRASE);
    }
    const yaml = await readFile(join(dir, 'site.yaml'), 'utf8');
    expect(yaml).not.toContain(PASSWORD);
    expect(yaml).not.toContain(KEY_PASSPHRASE);
  });

  it('a wrong passphrase is a PERMISSION error and the host is not added', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const dir = join(root, 'site');
    const r = await d.dispatch('site.addHost', { task: 'e', input: { dir, passphrase: 'wrong passphrase!', host: { name: 'node3', address: '192.168.10.12', user: 'admin', auth: 'password' }, password: 'Other-Pw-123' } }, () => {});
    expect(r).toMatchObject({ ok: false, error: { code: 'PERMISSION', message: expect.stringMatching(/^wrong site passphrase/) } });
    expect(await readFile(join(dir, 'site.yaml'), 'utf8')).not.toContain('node3');
    expect(JSON.stringify(r)).not.toContain('wrong passphrase!');
  });

  it('site.open of a broken site.yaml is VALIDATION naming the line', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const dir = join(root, 'broken');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    await writeFile(join(dir, 'site.yaml'), 'schemaVersion: 1\nname: X\ntopology: triple\n');
    const r = await d.dispatch('site.open', { task: 'f', input: { dir } }, () => {});
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: 'site.yaml line 3: topology: expected single or k3s-3, got "triple"' } });
  });

  it('site.addHost refuses a shell-command address or user, naming the field; site.yaml is unchanged', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const dir = join(root, 'site');
    const before = await readFile(join(dir, 'site.yaml'), 'utf8');
    const host = { name: 'node4', address: '10.0.0.4', user: 'admin', auth: 'password' } as const;
    const addr = await d.dispatch('site.addHost', { task: 'g', input: { dir, passphrase: PASSPHRASE, host: { ...host, address: '$(touch /tmp/x)' }, password: PASSWORD } }, () => {});
    expect(addr).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/^host node4: address: expected an IP address or host name, got "\$\(touch \/tmp\/x\)": "\$" cannot appear/) } });
    const user = await d.dispatch('site.addHost', { task: 'h', input: { dir, passphrase: PASSPHRASE, host: { ...host, user: 'root;id' }, password: PASSWORD } }, () => {});
    expect(user).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/^host node4: user: expected a login user name, got "root;id"/) } });
    expect(await readFile(join(dir, 'site.yaml'), 'utf8')).toBe(before);
  });

  it('site.init refuses a folder that holds an earlier secrets.enc and leaves it as it was', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const dir = join(root, 'site');
    const secrets = await readFile(join(dir, 'secrets.enc'));
    await rm(join(dir, 'site.yaml'));
    const r = await d.dispatch('site.init', { task: 'i', input: { dir, name: 'Again', topology: 'single', passphrase: 'another passphrase' } }, () => {});
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringContaining('already holds secrets.enc') } });
    expect(await readFile(join(dir, 'secrets.enc'))).toEqual(secrets);
  });
});
