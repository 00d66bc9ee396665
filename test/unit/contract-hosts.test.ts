import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { calls, ipcChannel, methods, type CallResult } from '../../electron/api/contract.js';
import { createDispatcher } from '../../electron/api/dispatch.js';
import { handlers } from '../../electron/api/handlers.js';
import { startConsole, type ConsoleServer } from '../../electron/console/server.js';
import { openConsoleSocket } from '../support/console-socket.js';
import { registerIpc } from '../../electron/main/ipc.js';
import { RecordingIpcMain, RecordingSender } from '../doubles/electron-ipc-main.js';

/*
 * One contract, every host: each contract entry has exactly one handler, and the Electron IPC
 * host and the console host each serve exactly the contract's methods. Calls here use a
 * malformed envelope (empty task id) so a method is proven known (not UNKNOWN_METHOD) without
 * running real work; app.info then runs for real through each host.
 */

const paths = { resourcesDir: '/nonexistent/resources', dataDir: '/nonexistent/data' };
const NOT_RUN = { task: '', input: {} };
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The keys of every `export const <capability><Suffix> = {...}` (e.g. bundleCalls, bundleHandlers), keyed by file. */
function exportedKeys(modules: Record<string, unknown>, suffix: 'Calls' | 'Handlers'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [file, mod] of Object.entries(modules)) {
    if (file.endsWith('.test.ts')) continue;
    for (const [name, value] of Object.entries(mod as Record<string, unknown>)) {
      if (!name.endsWith(suffix) || !value || typeof value !== 'object') continue;
      out.set(file, [...(out.get(file) ?? []), ...Object.keys(value)]);
    }
  }
  return out;
}

describe('contract and handlers', () => {
  it('every contract entry has exactly one handler, and there is no handler outside the contract', () => {
    expect(sorted(Object.keys(handlers))).toEqual(sorted(methods));
    for (const m of methods) expect(typeof (handlers as Record<string, unknown>)[m], m).toBe('function');
  });

  it('no method is defined twice across the capability files (a spread would silently drop one)', () => {
    const handlerFiles = exportedKeys(import.meta.glob('../../electron/api/handlers/*.ts', { eager: true }), 'Handlers');
    const callFiles = exportedKeys(import.meta.glob('../../electron/api/calls/*.ts', { eager: true }), 'Calls');
    for (const [what, files] of [
      ['handler', handlerFiles],
      ['call', callFiles],
    ] as const) {
      const all = [...files.values()].flat();
      const dupes = all.filter((m, i) => all.indexOf(m) !== i);
      expect(dupes, `${what}s defined twice`).toEqual([]);
      expect(sorted(all), `${what} files vs contract`).toEqual(sorted(methods));
    }
  });

  it('every contract entry has a summary and zod input/output schemas', () => {
    for (const m of methods) {
      const def = calls[m];
      expect(def.summary.length, m).toBeGreaterThan(5);
      expect(typeof def.input.safeParse, m).toBe('function');
      expect(typeof def.output.safeParse, m).toBe('function');
    }
  });
});

describe('Electron IPC host', () => {
  const ipcMain = new RecordingIpcMain();
  registerIpc({ ipcMain, dispatcher: createDispatcher({ host: 'electron', paths }) });
  const sender = new RecordingSender();
  const invoke = (channel: string, envelope: unknown) => ipcMain.invoke(channel, sender, 'app://appliance/index.html', envelope) as Promise<CallResult>;

  it('serves exactly the contract methods', async () => {
    expect(sorted(ipcMain.handlers.keys())).toEqual(sorted(methods.map(ipcChannel)));
    for (const m of methods) {
      const r = await invoke(ipcChannel(m), NOT_RUN);
      expect(r.ok, m).toBe(false);
      if (!r.ok) expect(r.error.code, m).not.toBe('UNKNOWN_METHOD');
    }
  });

  it('runs a call for real', async () => {
    expect(await invoke(ipcChannel('app.info'), { task: 'x', input: {} })).toMatchObject({ ok: true, value: { host: 'electron' } });
  });
});

describe('console host', () => {
  let dir: string;
  let server: ConsoleServer;
  let origin: string;
  let wsUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console test</title>');
    server = await startConsole({ staticDir: dir, paths, port: 0 });
    origin = `http://127.0.0.1:${server.port}`;
    wsUrl = `ws://127.0.0.1:${server.port}${server.prefix}api?token=${server.token}`;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (url = wsUrl, headers: Record<string, string> = { Origin: origin }) => openConsoleSocket(url, headers);

  async function rejection(url: string, headers: Record<string, string>): Promise<number | undefined> {
    try {
      const s = await connect(url, headers);
      await s.close();
      return undefined;
    } catch (e) {
      return (e as { status?: number }).status;
    }
  }

  function httpGet(path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves exactly the contract methods over the WebSocket, and an unknown method is UNKNOWN_METHOD', async () => {
    const s = await connect();
    try {
      for (const m of methods) {
        const r = await s.call(m, NOT_RUN);
        expect(r.ok, m).toBe(false);
        if (!r.ok) expect(r.error.code, m).not.toBe('UNKNOWN_METHOD');
      }
      for (const bogus of ['nope.nothing', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        const r = await s.call(bogus, { task: 't', input: {} });
        expect(r, bogus).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
      }
      expect(await s.call('app.info', { task: 'x', input: {} })).toMatchObject({ ok: true, value: { host: 'console' } });
    } finally {
      await s.close();
    }
  });

  it('both hosts serve the same method set as the contract', () => {
    expect(sorted(server.dispatcher.methods)).toEqual(sorted(methods));
  });

  it('refuses HTTP and WebSocket without the session token (401)', async () => {
    expect(await httpGet(server.prefix)).toBe(401);
    expect(await httpGet(`${server.prefix}?token=wrong`)).toBe(401);
    expect(await httpGet(`${server.prefix}?token=${server.token}`)).toBe(200);
    expect(await rejection(`ws://127.0.0.1:${server.port}${server.prefix}api`, { Origin: origin })).toBe(401);
    expect(await rejection(`ws://127.0.0.1:${server.port}${server.prefix}api?token=${server.token}x`, { Origin: origin })).toBe(401);
  });

  it('refuses a WebSocket from another origin (403): no cross-site WebSocket hijacking', async () => {
    for (const o of ['http://evil.com', `http://127.0.0.1:${server.port + 1}`, 'null', `https://127.0.0.1:${server.port}`]) {
      expect(await rejection(wsUrl, { Origin: o }), o).toBe(403);
    }
    expect(await rejection(wsUrl, {}), 'no Origin').toBe(403);
  });

  it('refuses a wrong Host header (403): no DNS rebinding', async () => {
    expect(await httpGet(`${server.prefix}?token=${server.token}`, { Host: `evil.com:${server.port}` })).toBe(403);
    expect(await rejection(wsUrl, { Origin: origin, Host: `evil.com:${server.port}` })).toBe(403);
  });

  it('answers a malformed message with an error and keeps the connection usable', async () => {
    const s = await connect();
    try {
      await s.sendRaw('{not json');
      await s.sendRaw(JSON.stringify({ type: 'call', id: 'one', method: 'app.info' }));
      expect(s.errors).toEqual(['Message is not JSON.', 'Message does not match the console protocol.']);
      expect(s.ws.readyState).toBe(WebSocket.OPEN);
      expect(await s.call('app.info', { task: 'after', input: {} })).toMatchObject({ ok: true });
    } finally {
      await s.close();
    }
  });

  it('answers wrong input types with a VALIDATION result', async () => {
    const s = await connect();
    try {
      const r = await s.call('hardware.local', { task: 't', input: { x: 1 } });
      expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      const c = await s.call('task.cancel', { task: 't2', input: { task: 5 } });
      expect(c).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    } finally {
      await s.close();
    }
  });
});
