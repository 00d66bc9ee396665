import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openConsoleSocket } from '../support/console-socket.js';

/*
 * No input may stop the console host. The host runs in a child process (test/unit/console-child.ts)
 * so "the process did not die" is observed, not assumed: after every attack the child is still
 * running, printed no UNCAUGHT line, a WebSocket opened before the attacks still answers a real
 * contract call, and the HTTP server still serves the app.
 */

const here = dirname(fileURLToPath(import.meta.url));
const FLICKER = 'console.log("flicker");\n'.repeat(2000);

let dir: string;
let child: ChildProcessWithoutNullStreams;
const lines: string[] = [];
let base: URL; // the app's URL without the token (ends in /)
let port: number;
let origin: string;
let cookie: string;
let keeper: Awaited<ReturnType<typeof openSocket>>;

function startChild(staticDir: string): Promise<{ url: string; port: number; token: string }> {
  child = spawn(process.execPath, ['--import', 'tsx', join(here, 'console-child.ts'), staticDir], { cwd: join(here, '..', '..') });
  let buf = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('{')) resolve(JSON.parse(line) as { url: string; port: number; token: string });
      }
    });
    child.once('exit', (code) => reject(new Error(`console child exited with ${code}: ${stderr}`)));
  });
}

function httpGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; setCookie?: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('aborted')));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes over a plain TCP connection and returns everything the server sent until it closed. */
function raw(bytes: string | Buffer, then?: (sock: import('node:net').Socket, received: () => Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no close within 10 s; got: ${Buffer.concat(chunks).toString('latin1')}`));
    }, 10_000);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      then?.(sock, () => Buffer.concat(chunks));
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    sock.write(bytes);
  });
}

const openSocket = () => openConsoleSocket(new URL('api', base).href.replace(/^http/, 'ws'), { Origin: origin, Cookie: cookie });

let calls = 0;
/** The process is alive, the socket opened before the attacks answers, and the app is still served. */
async function stillServing() {
  expect(child.exitCode, lines.join('\n')).toBeNull();
  expect(lines.filter((l) => l.startsWith('UNCAUGHT'))).toEqual([]);
  expect(keeper.ws.readyState).toBe(WebSocket.OPEN);
  expect(await keeper.call('app.info', { task: `alive-${++calls}`, input: {} })).toMatchObject({ ok: true, value: { host: 'console' } });
  const page = await httpGet(base.pathname, { Cookie: cookie });
  expect(page.status).toBe(200);
  expect(page.body).toContain('console test');
}

const logged = (re: RegExp) => lines.some((l) => l.startsWith('log: ') && re.test(l));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'console-hostile-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console test</title>');
  mkdirSync(join(dir, 'assets'));
  // A file whose read fails for real: reading /proc/self/mem at offset 0 is EIO.
  symlinkSync('/proc/self/mem', join(dir, 'assets', 'unreadable.js'));
  const info = await startChild(dir);
  port = info.port;
  origin = `http://127.0.0.1:${port}`;
  base = new URL(info.url.split('?')[0]!);
  const first = await httpGet(`${base.pathname}?token=${info.token}`);
  expect(first.status).toBe(200);
  cookie = first.setCookie![0]!.split(';')[0]!;
  keeper = await openSocket();
  expect(await keeper.call('app.info', { task: 'first', input: {} })).toMatchObject({ ok: true });
}, 90_000); // tsx compiles the host on a busy machine

afterAll(async () => {
  keeper?.ws.terminate();
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('console host under hostile input', () => {
  it('a message over the payload limit closes that socket only (1009), logged', async () => {
    const victim = await openSocket();
    victim.ws.send('x'.repeat(4 * 1024 * 1024 + 1));
    expect(await victim.closed).toBe(1009);
    await stillServing();
    expect(logged(/payload/i)).toBe(true);
  });

  it('a 3-byte text frame of invalid UTF-8 closes that socket only (1007), logged', async () => {
    const mask = [0x11, 0x22, 0x33, 0x44];
    const payload = [0xff, 0xfe, 0xfd];
    const frame = Buffer.from([0x81, 0x80 | payload.length, ...mask, ...payload.map((b, i) => b ^ mask[i % 4]!)]);
    let upgraded = false;
    const upgrade = [
      `GET ${base.pathname}api HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      `Origin: ${origin}`,
      `Cookie: ${cookie}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n');
    const got = await raw(upgrade, (sock, received) => {
      if (!upgraded && received().includes('\r\n\r\n')) {
        upgraded = true;
        expect(received().toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
        sock.write(frame);
      }
    });
    const afterHandshake = got.subarray(got.indexOf('\r\n\r\n') + 4);
    // A close frame with status 1007 (invalid frame payload data).
    expect(afterHandshake[0]).toBe(0x88);
    expect(afterHandshake.readUInt16BE(2)).toBe(1007);
    await stillServing();
    expect(logged(/UTF-8/i)).toBe(true);
  });

  // Absolute form (`new URL` threw on `http://[/` in both listeners) is refused with 400 before any
  // token check; `//[/` is an odd but valid path (it threw as a scheme-relative URL): not found.
  for (const [target, status] of [
    ['http://[/', 400],
    ['http://127.0.0.1/', 400],
    ['//[/', 404],
  ] as const) {
    for (const asUpgrade of [false, true]) {
      it(`request target ${target}${asUpgrade ? ' as a WebSocket upgrade' : ''} is answered ${status} before any token check`, async () => {
        const before = lines.length;
        const head = [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
        if (asUpgrade) head.push('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Origin: ${origin}`);
        const got = (await raw(head.join('\r\n') + '\r\n\r\n')).toString('latin1');
        expect(got).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
        await stillServing();
        if (status === 400) expect(lines.slice(before).some((l) => /request target/i.test(l))).toBe(true);
      });
    }
  }

  it('a static file whose read fails (EIO) ends that response only, logged', async () => {
    const r = await httpGet(`${base.pathname}assets/unreadable.js`, { Cookie: cookie }).catch((e: Error) => e);
    // Headers may already be out when the read fails: then the response is cut, never completed as 200.
    if (!(r instanceof Error)) expect(r.status).not.toBe(200);
    await stillServing();
    expect(logged(/EIO/)).toBe(true);
  });

  it('static files that vanish, or turn into folders, while being served never stop the host', async () => {
    const file = join(dir, 'assets', 'flicker.js');
    const tmp = join(dir, 'flicker.tmp');
    writeFileSync(file, FLICKER);
    let stop = false;
    // Swap the file for a folder and back as fast as possible while requests run.
    const churn = (async () => {
      while (!stop) {
        rmSync(file, { force: true });
        mkdirSync(file);
        await new Promise((r) => setImmediate(r));
        rmSync(file, { recursive: true, force: true });
        writeFileSync(tmp, FLICKER);
        renameSync(tmp, file);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const statuses = new Map<number | string, number>();
    for (let round = 0; round < 40 && child.exitCode === null; round++) {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => httpGet(`${base.pathname}assets/flicker.js`, { Cookie: cookie }).catch((e: Error) => e)),
      );
      for (const r of results) {
        const key = r instanceof Error ? 'error' : r.status;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        // A file is served whole or not at all.
        if (!(r instanceof Error) && r.status === 200) expect(r.body).toBe(FLICKER);
      }
    }
    stop = true;
    await churn;
    expect([...statuses.keys()].every((k) => k === 200 || k === 404), JSON.stringify([...statuses])).toBe(true);
    await stillServing();
  });
});
