import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegisteredSecret, redactText } from '../engine/redact.js';
import { createDispatcher } from './dispatch.js';
import { handlers } from './handlers.js';

// Through the real dispatcher and handlers, as a page calls them: what a page sends as a
// password is masked only once a site proved it, and only while that site is open.
const paths = { resourcesDir: tmpdir(), dataDir: tmpdir() };
const PASSPHRASE = 'scoped secrets passphrase';
const PASSWORD = 'Scoped-Host-Pw-42';
const host = { name: 'node1', address: '127.0.0.1', user: 'admin', auth: 'password' };

describe('secrets a page sends are registered only when a site holds them, and only while it is open', () => {
  let root: string;
  let dir: string;
  const logs: string[] = [];
  // Both hosts redact every log line on its way out; so does this sink.
  const d = createDispatcher({ host: 'console', paths, log: (l) => logs.push(redactText(l)) });
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'secret-scope-'));
    dir = join(root, 'site');
    const init = await d.dispatch('site.init', { task: 'init', input: { dir, name: 'Scope Hospital', topology: 'single', passphrase: PASSPHRASE } }, () => {});
    expect(init.ok).toBe(true);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('a wrong "password" of common words is refused and never blanks those words out of later log lines', async () => {
    const calls: [string, unknown][] = [
      ['site.addHost', { dir, passphrase: 'server', host, password: 'restart' }],
      ['targets.test', { dir, passphrase: 'hospital' }],
      ['hardware.site', { dir, passphrase: 'network' }],
      ['pki.init', { dir, algorithm: 'ecdsa-p256', passphrase: 'install' }],
    ];
    for (const [method, input] of calls) {
      const r = await d.dispatch(method, { task: method, input }, () => {});
      expect(r, method).toMatchObject({ ok: false, error: { code: 'PERMISSION', message: expect.stringMatching(/wrong site passphrase/) } });
    }
    // A later call whose log line holds those words: they must still be readable.
    const words = 'server restart hospital network install';
    const later = await d.dispatch('site.open', { task: 'later', input: { dir: join(root, words) } }, () => {});
    expect(later.ok).toBe(false);
    expect(logs.at(-1)).toContain(words);
    if (!later.ok) expect(later.error.message).toContain(words);
    for (const w of words.split(' ')) expect(isRegisteredSecret(w), w).toBe(false);
  });

  it('a passphrase that unlocked the site, and the password it stored, are masked while a call on the site runs and forgotten when the site closes', async () => {
    // A call that keeps the site open (as a long install would) until the test lets it go.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const holder = createDispatcher({
      host: 'console',
      paths,
      log: (l) => logs.push(redactText(l)),
      handlers: {
        ...handlers,
        'site.open': async (input: unknown) => {
          await released;
          return handlers['site.open'](input as never);
        },
      } as never,
    });
    const held = holder.dispatch('site.open', { task: 'hold', input: { dir } }, () => {});
    const add = await holder.dispatch('site.addHost', { task: 'add', input: { dir, passphrase: PASSPHRASE, host, password: PASSWORD } }, () => {});
    expect(add.ok).toBe(true);
    expect(isRegisteredSecret(PASSPHRASE)).toBe(true);
    expect(isRegisteredSecret(PASSWORD)).toBe(true);
    expect(redactText(`sshpass -p ${PASSWORD}; passphrase ${PASSPHRASE}`)).toBe('sshpass -p [REDACTED]; passphrase [REDACTED]');

    release();
    expect((await held).ok).toBe(true);
    expect(isRegisteredSecret(PASSPHRASE)).toBe(false);
    expect(isRegisteredSecret(PASSWORD)).toBe(false);
    expect(redactText(`node1 uses ${PASSWORD}`)).toBe(`node1 uses ${PASSWORD}`);
  });
});
