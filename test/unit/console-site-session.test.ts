import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleServer } from '../../electron/console/server.js';
import { makePkiTestSite } from '../../electron/engine/pki/test-fixtures.js';
import { openConsoleSocket } from '../support/console-socket.js';

/*
 * The console keeps an unlocked site per WebSocket connection: the connection that unlocked it
 * calls on without a passphrase, another tab cannot, and a closed connection forgets it.
 */
const PASS = 'Console-Session-Passphrase-5';
let root: string;
let site: string;
let server: ConsoleServer;

const connect = () => openConsoleSocket(`ws://127.0.0.1:${server.port}${server.prefix}api?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` });

describe('console host: unlock a site once per connection', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'console-session-'));
    const staticDir = join(root, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    site = join(root, 'site');
    await makePkiTestSite(site, { topology: 'single', passphrase: PASS });
    server = await startConsole({ staticDir, paths: { resourcesDir: '/nonexistent', dataDir: join(root, 'data') }, port: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a second call needs no passphrase on the same connection; another tab and a closed connection do', async () => {
    const tab = await connect();
    const other = await connect();
    expect(await tab.call('site.unlock', { task: 'u', input: { dir: site, passphrase: PASS } })).toMatchObject({ ok: true, value: { dir: site } });
    expect(await tab.call('pki.init', { task: 'p1', input: { dir: site, algorithm: 'ecdsa-p256' } })).toMatchObject({ ok: true, value: { present: true } });
    expect(await tab.call('pki.issue', { task: 'p2', input: { dir: site } })).toMatchObject({ ok: true });
    expect(await other.call('pki.issue', { task: 'p3', input: { dir: site, renewWithinDays: 3650 } })).toMatchObject({ ok: false, error: { code: 'PERMISSION', details: { reason: 'locked' } } });
    expect(server.dispatcher.sessions.owners()).toHaveLength(1);

    await tab.close();
    // The server handles the close asynchronously; wait until it forgot.
    for (let i = 0; i < 100 && server.dispatcher.sessions.owners().length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.dispatcher.sessions.owners()).toEqual([]);
    const again = await connect();
    expect(await again.call('site.session', { task: 's', input: {} })).toMatchObject({ ok: true, value: { unlocked: [] } });
    expect(await again.call('pki.issue', { task: 'p4', input: { dir: site, renewWithinDays: 3650 } })).toMatchObject({ ok: false, error: { code: 'PERMISSION' } });
    await again.close();
    await other.close();
  }, 60_000);
});
