import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDispatcher, type Dispatcher } from '../api/dispatch.js';
import type { AppPaths } from '../api/handler-context.js';
import { ApplianceError } from '../engine/errors.js';
import type { ApplianceEvent } from '../engine/events/index.js';
import { newSession, parseTarget, sessionCookie, tokenSource } from './session.js';
import { resolveStatic, sendFile } from './static-files.js';
import { ConsoleClientMessage, type ConsoleServerMessage } from './protocol.js';

export interface ConsoleServer {
  /** The URL to open, token included: `http://127.0.0.1:<port>/s/<random>/?token=...`. */
  url: string;
  port: number;
  token: string;
  /** The random path the app and its WebSocket (`<prefix>api`) are served under. */
  prefix: string;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/**
 * The browser host: serves the built renderer and bridges the contract over one WebSocket.
 * Bound to 127.0.0.1 only, under a random path prefix (the session cookie's Path, so other
 * local services never receive it; see session.ts). Every request needs the random session
 * token (in the URL the first time, then in an HttpOnly SameSite=Strict cookie); WebSocket
 * upgrades must also come from this origin (no cross-site WebSocket hijacking) and name this
 * host (no DNS rebinding). No input stops the host: a bad request or frame is answered or
 * closes its own connection, and is logged.
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
  const session = newSession(opts.token);
  const { prefix } = session;
  const log = (line: string) => opts.log?.(`console: ${line}`);
  const dispatcher = createDispatcher({ host: 'console', paths: opts.paths, log: opts.log });
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((e: unknown) => {
      log(`HTTP ${req.method} failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) deny(res, 500, 'Internal error.');
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse) {
    const url = parseTarget(req.url);
    if (!url) {
      log('refused an HTTP request with a malformed or non-origin-form request target');
      return deny(res, 400, 'Bad request target.');
    }
    if (!allowedHosts().has(req.headers.host ?? '')) return deny(res, 403, 'Unexpected Host header: the console only answers on 127.0.0.1.');
    // Outside the prefix nothing exists, whatever the request carries.
    if (!url.pathname.startsWith(prefix)) return deny(res, 404, 'Not found.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    const how = tokenSource(session, req, url);
    if (!how) {
      return deny(res, 401, 'This console needs its session token. Open the exact URL printed by `appliance console` (it ends in ?token=...).');
    }
    const file = await resolveStatic(opts.staticDir, url.pathname.slice(prefix.length - 1));
    const headers: Record<string, string> = {
      'Content-Security-Policy': contentSecurityPolicy(port, prefix),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
    };
    if (how === 'query') headers['Set-Cookie'] = sessionCookie(session);
    const sent = file && (await sendFile(res, file, headers, (e) => log(`reading ${file} failed: ${e.message}`)));
    if (!sent) deny(res, 404, 'Not found.');
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    // Node hands the raw socket over without its error listener: a reset must not become uncaught.
    socket.on('error', (e) => log(`WebSocket connection error: ${e.message}`));
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${text}\n`, () => socket.destroy());
    };
    const url = parseTarget(req.url);
    if (!url) {
      log('refused a WebSocket upgrade with a malformed or non-origin-form request target');
      return reject(400, 'Bad Request');
    }
    if (url.pathname !== `${prefix}api`) return reject(404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(403, 'Forbidden host');
    if (!allowedOrigins().has(req.headers.origin ?? '')) return reject(403, 'Forbidden origin');
    if (!tokenSource(session, req, url)) return reject(401, 'Missing or wrong session token');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  let socketSeq = 0;
  function serveSocket(ws: WebSocket) {
    const send = (m: ConsoleServerMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      try {
        ws.send(JSON.stringify(m));
      } catch (e) {
        log(`could not send a ${m.type} message: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    // Oversized or malformed frames (payload limit, invalid UTF-8, bad opcodes): ws closes this
    // socket with the right status; without a listener the 'error' event would stop the process.
    ws.on('error', (e) => log(`WebSocket closed after a protocol error: ${e.message}`));
    // The dispatcher records who started each running task, so a call that reuses a running id
    // (CONFLICT) can neither untrack nor take over another socket's task.
    const owner = `socket:${++socketSeq}`;
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
      dispatcher
        .dispatch(method, envelope, onEvent, owner)
        .then((result) => send({ type: 'result', id, result }))
        .catch((e: unknown) => log(`${method} failed outside the dispatcher: ${e instanceof Error ? e.message : String(e)}`));
    });
    // A closed tab cancels what it started (nobody is left to see or cancel it) and forgets the
    // sites it unlocked: the unlock lives exactly as long as this connection.
    ws.on('close', () => dispatcher.closeOwner(owner));
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      rejectListen(e.code === 'EADDRINUSE' ? new ApplianceError('CONFLICT', `Port ${opts.port} on 127.0.0.1 is already in use. Choose another with --port.`) : e),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  // After listening, a server error (e.g. too many open files on accept) is logged, not fatal.
  server.on('error', (e) => log(`server error: ${e.message}`));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}${prefix}?token=${session.token}`,
    port,
    token: session.token,
    prefix,
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
export function contentSecurityPolicy(port: number, prefix = '/'): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port}${prefix}api ws://localhost:${port}${prefix}api`,
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
