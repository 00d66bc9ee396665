import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIpcMain, RecordingSender } from '../../../test/doubles/electron-ipc-main.js';
import { makePkiTestSite } from '../../engine/pki/test-fixtures.js';
import type { ApplianceEvent } from '../../engine/events/index.js';
import { isRegisteredSecret } from '../../engine/redact.js';
import { ipcChannel, type CallResult } from '../contract.js';
import { createDispatcher } from '../dispatch.js';
import { handlers } from '../handlers.js';
import { registerIpc } from '../../main/ipc.js';

// Through the real dispatcher and handlers: a site unlocked once serves every later call of the
// same owner (window / connection) without a passphrase, and only that owner's.
const paths = { resourcesDir: tmpdir(), dataDir: tmpdir() };
const PASS = 'Unlock-Once-Passphrase-77';
const settle = () => new Promise((r) => setImmediate(r));

describe('site.unlock / site.lock / site.session through the dispatcher', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'site-session-'));
    dir = join(root, 'site');
    await makePkiTestSite(dir, { topology: 'single', passphrase: PASS });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('a wrong passphrase is PERMISSION and unlocks nothing; a folder without secrets.enc is NOT_FOUND', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const wrong = await d.dispatch('site.unlock', { task: 'u1', input: { dir, passphrase: 'not the passphrase' } }, () => {}, 'socket:1');
    expect(wrong).toMatchObject({ ok: false, error: { code: 'PERMISSION', message: expect.stringMatching(/wrong site passphrase/) } });
    expect(await d.dispatch('site.session', { task: 's1', input: {} }, () => {}, 'socket:1')).toEqual({ ok: true, value: { unlocked: [], idleTimeoutSeconds: 900 } });
    const none = await d.dispatch('site.unlock', { task: 'u2', input: { dir: root, passphrase: PASS } }, () => {}, 'socket:1');
    expect(none).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(d.sessions.owners()).toEqual([]);
  });

  it('unlock once: the next calls need no passphrase, other owners still do, Lock makes them ask again', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const events: ApplianceEvent[] = [];
    const results: CallResult[] = [];
    const call = async (method: string, input: unknown, owner?: string) => {
      const r = await d.dispatch(method, { task: `${method}-${results.length}`, input }, (e) => events.push(e), owner);
      results.push(r);
      return r;
    };
    const before = Date.now();
    const u = await call('site.unlock', { dir, passphrase: PASS }, 'window:1');
    expect(u).toMatchObject({ ok: true, value: { dir, idleTimeoutSeconds: 900 } });
    if (u.ok) expect(Date.parse((u.value as { expiresAt: string }).expiresAt) - before).toBeGreaterThanOrEqual(900_000);

    // Two calls that need the passphrase, on the same owner, without one.
    expect(await call('pki.init', { dir, algorithm: 'ecdsa-p256' }, 'window:1')).toMatchObject({ ok: true, value: { present: true } });
    expect(await call('pki.issue', { dir }, 'window:1')).toMatchObject({ ok: true, value: { results: expect.arrayContaining([expect.objectContaining({ action: 'issued' })]) } });

    // Another window, and a call without an owner, are still locked.
    for (const owner of ['window:2', undefined]) {
      expect(await call('pki.issue', { dir, renewWithinDays: 3650 }, owner)).toMatchObject({ ok: false, error: { code: 'PERMISSION', message: expect.stringContaining('enter the site passphrase'), details: { reason: 'locked' } } });
    }
    expect(await call('site.session', {}, 'window:2')).toMatchObject({ ok: true, value: { unlocked: [] } });
    expect(await call('site.session', {}, 'window:1')).toMatchObject({ ok: true, value: { unlocked: [{ dir }] } });

    // While unlocked, the passphrase is masked in whatever any call emits.
    expect(isRegisteredSecret(PASS)).toBe(true);

    expect(await call('site.lock', {}, 'window:1')).toEqual({ ok: true, value: { locked: [dir] } });
    expect(await call('pki.issue', { dir, renewWithinDays: 3650 }, 'window:1')).toMatchObject({ ok: false, error: { code: 'PERMISSION', details: { reason: 'locked' } } });
    await settle();
    expect(isRegisteredSecret(PASS)).toBe(false);

    // Nothing that came back or went out as an event holds the passphrase.
    const out = JSON.stringify([results, events]);
    expect(out.length).toBeGreaterThan(500);
    expect(out).not.toContain(PASS);
  }, 60_000);

  it('site.addHost and targets.test on an unlocked site need no passphrase; locked, they ask', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const host = { name: 'ghost', address: '127.0.0.1', port: 1, user: 'admin', role: 'mgmt', auth: 'password' };
    const add = (owner: string) => d.dispatch('site.addHost', { task: `a-${owner}`, input: { dir, host, password: 'Ghost-Pw-123', replace: true } }, () => {}, owner);
    expect(await add('socket:7')).toMatchObject({ ok: false, error: { code: 'PERMISSION', details: { reason: 'locked' } } });
    expect((await d.dispatch('site.unlock', { task: 'u', input: { dir, passphrase: PASS } }, () => {}, 'socket:7')).ok).toBe(true);
    expect(await add('socket:7')).toMatchObject({ ok: true, value: { hosts: expect.arrayContaining([expect.objectContaining({ name: 'ghost', hasSecret: true })]) } });
    const t = await d.dispatch('targets.test', { task: 't', input: { dir, hosts: ['ghost'] } }, () => {}, 'socket:7');
    expect(t).toMatchObject({ ok: true, value: { ok: false, results: [{ host: 'ghost', reachable: { ok: false } }] } });
    d.closeOwner('socket:7');
  }, 60_000);

  it('events and errors of any call mask the passphrase while the site is unlocked', async () => {
    const d = createDispatcher({
      host: 'console',
      paths,
      handlers: {
        ...handlers,
        'app.info': async (_: unknown, ctx: { task: string; onEvent: (e: ApplianceEvent) => void }) => {
          ctx.onEvent({ type: 'log', task: ctx.task, stream: 'stderr', line: `openssl -passin pass:${PASS}` });
          throw new Error(`failed with ${PASS}`);
        },
      } as never,
    });
    expect((await d.dispatch('site.unlock', { task: 'u', input: { dir, passphrase: PASS } }, () => {}, 'socket:9')).ok).toBe(true);
    const events: ApplianceEvent[] = [];
    const r = await d.dispatch('app.info', { task: 'a', input: {} }, (e) => events.push(e), 'socket:10');
    expect(events).toEqual([{ type: 'log', task: 'a', stream: 'stderr', line: 'openssl -passin pass:[REDACTED]' }]);
    expect(r).toMatchObject({ ok: false, error: { message: 'failed with [REDACTED]' } });
    d.closeOwner('socket:9');
  });

  it('closing the owner (console connection) forgets its sites', async () => {
    const d = createDispatcher({ host: 'console', paths });
    expect((await d.dispatch('site.unlock', { task: 'u', input: { dir, passphrase: PASS } }, () => {}, 'socket:5')).ok).toBe(true);
    expect(d.sessions.owners()).toEqual(['socket:5']);
    d.closeOwner('socket:5');
    expect(d.sessions.owners()).toEqual([]);
    expect(await d.dispatch('pki.issue', { task: 'i', input: { dir, renewWithinDays: 3650 } }, () => {}, 'socket:5')).toMatchObject({ ok: false, error: { code: 'PERMISSION' } });
  });

  it('Electron: a window that unlocked needs no passphrase again; closing it (web contents destroyed) forgets', async () => {
    const ipcMain = new RecordingIpcMain();
    const dispatcher = createDispatcher({ host: 'electron', paths });
    registerIpc({ ipcMain, dispatcher });
    const page = 'app://appliance/index.html';
    const win = new RecordingSender();
    const other = new RecordingSender();
    const invoke = (sender: RecordingSender, method: 'site.unlock' | 'site.session' | 'pki.issue', input: unknown) =>
      ipcMain.invoke(ipcChannel(method), sender, page, { task: `${method}-${Math.random()}`, input }) as Promise<CallResult>;
    expect(await invoke(win, 'site.unlock', { dir, passphrase: PASS })).toMatchObject({ ok: true });
    expect(await invoke(win, 'pki.issue', { dir, renewWithinDays: 3650 })).toMatchObject({ ok: true });
    expect(await invoke(other, 'pki.issue', { dir, renewWithinDays: 3650 })).toMatchObject({ ok: false, error: { code: 'PERMISSION' } });
    win.destroy();
    expect(dispatcher.sessions.owners()).toEqual([]);
    await settle();
    expect(isRegisteredSecret(PASS)).toBe(false);
  }, 60_000);
});
