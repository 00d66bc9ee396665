import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDispatcher, type Dispatcher } from '../api/dispatch.js';
import type { AppPaths } from '../api/handler-context.js';
import { ApplianceError } from '../engine/errors.js';
import type { ApplianceEvent } from '../engine/events/index.js';
import { resolveStatic, sendFile } from './static-files.js';
import { ConsoleClientMessage, type ConsoleServerMessage } from './protocol.js';

export interface ConsoleServer {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Browsers send cookies to every port of 127.0.0.1: name it per port so no other local service gets it. */
const cookieName = (port: number) => `appliance_session_${port}`;

/**
 * The browser host: serves the built renderer and bridges the contract over one WebSocket.
 * Bound to 127.0.0.1 only. Every request needs the random session token (in the URL the
 * first time, then in an HttpOnly SameSite=Strict cookie); WebSocket upgrades must also come
 * from this origin (no cross-site WebSocket hijacking) and name this host (no DNS rebinding).
 */
export async function startConsole(opts: {
  staticDir: string;
  paths: AppPaths;
  port?: number;
  token?: string;
  log?: (line: string) => void;
}): Promise<ConsoleServer> {
  if (!existsSync(join(opts.staticDir, 'index.html'))) {
    throw new ApplianceError('NOT_FOUND', `The renderer is not built (${opts.staticDir}/index.html is missing). Run \`npm run build:renderer\` first.`);
  }
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const dispatcher = createDispatcher({ host: 'console', paths: opts.paths, log: opts.log });
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const tokenOk = (req: IncomingMessage): 'query' | 'cookie' | false => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (safeEqual(url.searchParams.get('token'), token)) return 'query';
    if (safeEqual(readCookie(req.headers.cookie, cookieName(port)), token)) return 'cookie';
    return false;
  };

  const server = createServer((req, res) => {
    void handleHttp(req, res);
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().has(req.headers.host ?? '')) return deny(res, 403, 'Unexpected Host header: the console only answers on 127.0.0.1.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    const how = tokenOk(req);
    if (!how) {
      return deny(res, 401, 'This console needs its session token. Open the exact URL printed by `appliance console` (it ends in ?token=...).');
    }
    const file = await resolveStatic(opts.staticDir, new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) return deny(res, 404, 'Not found.');
    const headers: Record<string, string> = {
      'Content-Security-Policy': contentSecurityPolicy(port),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
    };
    if (how === 'query') headers['Set-Cookie'] = `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    sendFile(res, file, headers);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const reject = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${text}\n`);
      socket.destroy();
    };
    if (path !== '/api') return reject(404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(403, 'Forbidden host');
    if (!allowedOrigins().has(req.headers.origin ?? '')) return reject(403, 'Forbidden origin');
    if (!tokenOk(req)) return reject(401, 'Missing or wrong session token');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket) {
    const send = (m: ConsoleServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    const mine = new Set<string>();
    ws.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        return send({ type: 'error', message: 'Message is not JSON.' });
      }
      const msg = ConsoleClientMessage.safeParse(parsed);
      if (!msg.success) return send({ type: 'error', message: 'Message does not match the console protocol.' });
      const { id, method, envelope } = msg.data;
      const onEvent = (event: ApplianceEvent) => send({ type: 'event', event });
      const task = typeof envelope === 'object' && envelope && 'task' in envelope ? String((envelope as { task: unknown }).task) : undefined;
      if (task) mine.add(task);
      void dispatcher.dispatch(method, envelope, onEvent).then((result) => {
        if (task) mine.delete(task);
        send({ type: 'result', id, result });
      });
    });
    // A closed tab cancels what it started: nobody is left to see or cancel it.
    ws.on('close', () => mine.forEach((t) => dispatcher.cancel(t)));
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      rejectListen(e.code === 'EADDRINUSE' ? new ApplianceError('CONFLICT', `Port ${opts.port} on 127.0.0.1 is already in use. Choose another with --port.`) : e),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    dispatcher,
    close: () =>
      new Promise<void>((r) => {
        wss.clients.forEach((c) => c.terminate());
        wss.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Same policy as the built index.html's meta tag, plus the WebSocket back to this host. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function deny(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text + '\n');
}

function safeEqual(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}
