import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startConsole, type ConsoleServer } from '../../electron/console/server.js';

/*
 * Browsers do not isolate cookies by port: a Path=/ cookie on 127.0.0.1 reaches every local web
 * service. The console serves everything under a random prefix and scopes its cookie to it, so
 * nothing outside that path ever receives it (the browser side is test/e2e/console-session.spec.ts).
 */

let dir: string;
let server: ConsoleServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'console-cookie-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console test</title>');
  server = await startConsole({ staticDir: dir, paths: { resourcesDir: '/nonexistent', dataDir: '/nonexistent' } });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] });
    });
    req.on('error', reject);
    req.end();
  });
}

/** RFC 6265 5.1.4 path-match: does a request to `path` carry a cookie with this Path? */
function pathMatches(cookiePath: string, path: string): boolean {
  return path === cookiePath || (path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/'));
}

describe('console session cookie', () => {
  it('lives under a random path and is scoped to it: HttpOnly, SameSite=Strict, never Path=/', async () => {
    expect(server.prefix).toMatch(/^\/s\/[\w-]{24,}\/$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}${server.prefix}?token=${server.token}`);
    const first = await get(`${server.prefix}?token=${server.token}`);
    expect(first.status).toBe(200);
    expect(first.setCookie).toHaveLength(1);
    const attrs = first.setCookie[0]!.split(';').map((a) => a.trim());
    expect(attrs[0]).toBe(`appliance_session=${server.token}`);
    const path = attrs.find((a) => /^path=/i.test(a))?.slice(5);
    expect(path).toBe(server.prefix);
    expect(attrs.map((a) => a.toLowerCase())).toEqual(expect.arrayContaining(['httponly', 'samesite=strict']));
    // Other paths on this host (and, since cookies ignore ports, on every other local port) never get it.
    for (const other of ['/', '/api', '/index.html', '/s/', '/s/other/', server.prefix.slice(0, -1), `${server.prefix.slice(0, -2)}/`]) {
      expect(pathMatches(path!, other), other).toBe(false);
    }
    expect(pathMatches(path!, `${server.prefix}api`)).toBe(true);
  });

  it('answers 404 outside the prefix whatever the request carries', async () => {
    const cookie = `appliance_session=${server.token}`;
    for (const p of ['/', `/?token=${server.token}`, '/index.html', '/api', '/s/', '/s/guess/', server.prefix.slice(0, -1)]) {
      expect((await get(p, { Cookie: cookie })).status, p).toBe(404);
      expect((await get(p)).status, p).toBe(404);
    }
    // Inside it, the cookie alone is enough.
    expect((await get(server.prefix, { Cookie: cookie })).status).toBe(200);
    expect((await get(`${server.prefix}setup`, { Cookie: cookie })).status).toBe(200);
  });

  it('serves the WebSocket only under the prefix', async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    const open = (path: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}?token=${server.token}`, { headers: { Origin: origin } });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(-1));
      });
    expect(await open('/api')).toBe(404);
    expect(await open('/s/other/api')).toBe(404);
    expect(await open(`${server.prefix}api`)).toBe(101);
  });
});
