import type { ApplianceEvent, CallResult, Method } from '../../../electron/api/contract.js';
import type { Transport } from './client.js';

type ServerMessage = { type: 'result'; id: number; result: CallResult } | { type: 'event'; event: ApplianceEvent } | { type: 'error'; message: string };

const TOKEN_KEY = 'appliance-console-token';

/**
 * The console host's transport: one WebSocket to `api` beside the page (same origin, same
 * random path prefix). The session token arrives in the page URL once; it is kept in
 * sessionStorage and removed from the address bar so it does not end up in screenshots or history. Reconnects after a drop; calls in flight
 * when the socket closes fail with UNREACHABLE rather than hanging.
 */
export function createWebSocketTransport(): Transport {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  // Relative to the page: the console serves the app and `api` under one random path prefix.
  const wsUrl = new URL('api', window.location.href);
  wsUrl.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  wsUrl.search = `?token=${encodeURIComponent(token)}`;
  wsUrl.hash = '';

  let nextId = 1;
  const pending = new Map<number, (r: CallResult) => void>();
  const listeners = new Set<(e: ApplianceEvent) => void>();
  let socket: Promise<WebSocket> | null = null;

  function connect(): Promise<WebSocket> {
    if (socket) return socket;
    socket = new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl.href);
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error('Cannot reach the console host.'));
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as ServerMessage;
        if (msg.type === 'result') {
          pending.get(msg.id)?.(msg.result);
          pending.delete(msg.id);
        } else if (msg.type === 'event') {
          listeners.forEach((l) => l(msg.event));
        }
      };
      ws.onclose = () => {
        socket = null;
        for (const done of pending.values()) done({ ok: false, error: { code: 'UNREACHABLE', message: 'Lost the connection to the console host.' } });
        pending.clear();
      };
    });
    socket.catch(() => (socket = null));
    return socket;
  }

  return {
    kind: 'console',
    async call(method: Method, envelope) {
      let ws: WebSocket;
      try {
        ws = await connect();
      } catch (e) {
        return { ok: false, error: { code: 'UNREACHABLE', message: e instanceof Error ? e.message : String(e) } };
      }
      const callId = nextId++;
      return new Promise<CallResult>((resolve) => {
        pending.set(callId, resolve);
        ws.send(JSON.stringify({ type: 'call', id: callId, method, envelope }));
      });
    },
    onEvent(cb) {
      listeners.add(cb);
      void connect().catch(() => {});
      return () => listeners.delete(cb);
    },
  };
}
