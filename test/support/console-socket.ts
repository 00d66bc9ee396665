import WebSocket from 'ws';
import type { CallResult } from '../../electron/api/contract.js';
import type { ConsoleServerMessage } from '../../electron/console/protocol.js';

/** A console WebSocket session for tests: call() resolves with the result matched by id. */
export interface ConsoleSocket {
  ws: WebSocket;
  /** Protocol errors the console sent (not call failures: those are results). */
  errors: string[];
  /** Resolves with the close code once the socket is closed (by either side). */
  closed: Promise<number>;
  call(method: string, envelope: unknown): Promise<CallResult>;
  /** Sends raw text and resolves at the next protocol error the console answers. */
  sendRaw(text: string): Promise<void>;
  /** Closes and resolves once the close handshake is done. */
  close(): Promise<number>;
}

/**
 * Opens a WebSocket to the console (`url` includes the prefix and, if wanted, the token). A
 * refused upgrade rejects with an Error carrying the HTTP `status`.
 */
export async function openConsoleSocket(url: string, headers: Record<string, string>): Promise<ConsoleSocket> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  ws.on('error', () => {}); // a protocol error closes the socket; tests look at `closed`
  const pending = new Map<number, (r: CallResult) => void>();
  const errors: string[] = [];
  const errorWaiters: (() => void)[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as ConsoleServerMessage;
    if (m.type === 'result') pending.get(m.id)?.(m.result);
    if (m.type === 'error') {
      errors.push(m.message);
      errorWaiters.splice(0).forEach((w) => w());
    }
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  let next = 1;
  return {
    ws,
    errors,
    closed,
    call: (method, envelope) =>
      new Promise<CallResult>((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ type: 'call', id, method, envelope }));
      }),
    sendRaw: (text) =>
      new Promise<void>((resolve) => {
        errorWaiters.push(resolve);
        ws.send(text);
      }),
    close: () => {
      ws.close();
      return closed;
    },
  };
}
