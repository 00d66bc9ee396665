import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleServer } from '../../electron/console/server.js';
import { openConsoleSocket } from '../support/console-socket.js';

/*
 * A closed tab cancels what it started, even after a call that reused the running task's id
 * (CONFLICT). The long task is real: `targets.test` against a TCP server on 127.0.0.1 that
 * accepts and never speaks SSH, so the client waits for a banner until it is cancelled, and the
 * server sees its connection closed the moment the task is.
 */

const PASSPHRASE = 'console-task-owner-passphrase';
let dir: string;
let server: ConsoleServer;
let silent: Server;
const conns: Socket[] = [];
const closed: Socket[] = [];

const connect = () =>
  openConsoleSocket(`ws://127.0.0.1:${server.port}${server.prefix}api?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` });

/**
 * The SSH connection of the `n`th targets.test (1-based): each task first opens and closes a
 * TCP reachability probe, then opens the SSH connection that waits for a banner.
 */
async function sshConnection(n: number): Promise<Socket> {
  while (conns.length < 2 * n) await new Promise((r) => setTimeout(r, 20));
  return conns[2 * n - 1]!;
}
async function closedSoon(s: Socket): Promise<void> {
  while (!closed.includes(s)) await new Promise((r) => setTimeout(r, 20));
}

describe('console host: task ownership per socket', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-owner-'));
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    silent = createServer((s) => {
      conns.push(s);
      s.resume(); // read and drop the client's banner, so its FIN is seen
      s.on('close', () => closed.push(s));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    server = await startConsole({ staticDir, paths: { resourcesDir: '/nonexistent', dataDir: join(dir, 'data') }, port: 0 });
    const c = await connect();
    const site = join(dir, 'site');
    expect(await c.call('site.init', { task: 'i', input: { dir: site, name: 'Owner test', topology: 'single', passphrase: PASSPHRASE } })).toMatchObject({ ok: true });
    const port = (silent.address() as { port: number }).port;
    const host = { name: 'mute', address: '127.0.0.1', port, user: 'engineer', role: 'server', auth: 'password' };
    expect(await c.call('site.addHost', { task: 'a', input: { dir: site, passphrase: PASSPHRASE, host, password: 'mute-host-password' } })).toMatchObject({ ok: true });
    await c.close();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    conns.forEach((s) => s.destroy());
    silent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const longCall = (task: string) => ({ task, input: { dir: join(dir, 'site'), passphrase: PASSPHRASE, connectTimeoutMs: 120_000 } });

  it('the same socket reusing a running id gets CONFLICT, and closing it still cancels the original', async () => {
    const tab = await connect();
    void tab.call('targets.test', longCall('X'));
    const conn = await sshConnection(1);
    expect(await tab.call('targets.test', longCall('X'))).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(closed).not.toContain(conn);
    await tab.close();
    await closedSoon(conn); // cancelled: the client dropped its connection (else it waits 120 s)
  }, 30_000);

  it('another socket reusing the id neither cancels the task when it closes nor takes it over', async () => {
    const owner = await connect();
    const other = await connect();
    void owner.call('targets.test', longCall('Y'));
    const conn = await sshConnection(2);
    expect(await other.call('targets.test', longCall('Y'))).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await other.close();
    // The other tab's close must not reach the task: it is still waiting for its SSH banner.
    expect(await owner.call('app.info', { task: 'info', input: {} })).toMatchObject({ ok: true });
    expect(closed).not.toContain(conn);
    await owner.close();
    await closedSoon(conn);
  }, 30_000);
});
