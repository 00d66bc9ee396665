import type { ApiError, ApplianceEvent, CallResult, Input, Method, Output } from '../../../electron/api/contract.js';
import { createWebSocketTransport } from './websocket-transport.js';

/** How calls travel: Electron's preload bridge, or the console's WebSocket. Same contract either way. */
export interface Transport {
  call(method: Method, envelope: { task: string; input: unknown }): Promise<CallResult>;
  onEvent(cb: (e: ApplianceEvent) => void): () => void;
  readonly kind: 'electron' | 'console';
}

/** A failed call, carrying the contract's typed error. */
export class ApiCallError extends Error {
  readonly code: string;
  readonly issues?: ApiError['issues'];
  readonly details?: ApiError['details'];
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.issues = error.issues;
    this.details = error.details;
  }
}

/** The call needed a site passphrase and the site is not unlocked in this window. */
export function isLockedError(e: unknown): e is ApiCallError {
  return e instanceof ApiCallError && e.code === 'PERMISSION' && e.details?.reason === 'locked';
}

type Bridge = { [m: string]: unknown; onEvent(cb: (e: ApplianceEvent) => void): () => void };

function electronTransport(bridge: Bridge): Transport {
  return {
    kind: 'electron',
    call: (method, envelope) => {
      const fn = bridge[method];
      if (typeof fn !== 'function') return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `${method} is not exposed by the preload.` } });
      return (fn as (e: unknown) => Promise<CallResult>)(envelope);
    },
    onEvent: (cb) => bridge.onEvent(cb),
  };
}

let counter = 0;
/** Task ids are unique per page load; events and cancel use them. */
export function newTaskId(method: string): string {
  counter += 1;
  return `${method}#${Date.now().toString(36)}-${counter}`;
}

/**
 * The one api client of the renderer. Picks the transport once: `window.appliance` when the
 * Electron preload provided it, else the console WebSocket on the page's own origin.
 */
export function createApi(transport: Transport) {
  const afterCall = new Set<(method: Method) => void>();
  return {
    transport,
    /** Calls a contract method; resolves with its output or throws ApiCallError. */
    async call<M extends Method>(method: M, input: Input<M>, opts: { task?: string } = {}): Promise<Output<M>> {
      try {
        const result = await transport.call(method, { task: opts.task ?? newTaskId(method), input });
        if (!result.ok) throw new ApiCallError(result.error);
        return result.value as Output<M>;
      } finally {
        // A call may have used (and so extended) or lost an unlocked site: the lock indicator re-reads.
        afterCall.forEach((cb) => cb(method));
      }
    },
    /** Runs cb after every call, whatever its outcome; returns the unsubscribe function. */
    onCallDone(cb: (method: Method) => void): () => void {
      afterCall.add(cb);
      return () => afterCall.delete(cb);
    },
    onEvent: transport.onEvent,
    cancel: (task: string) => transport.call('task.cancel', { task: newTaskId('task.cancel'), input: { task } }),
  };
}

export type Api = ReturnType<typeof createApi>;

function pickTransport(): Transport {
  const bridge = (globalThis as { appliance?: Bridge }).appliance;
  return bridge ? electronTransport(bridge) : createWebSocketTransport();
}

export const api = createApi(pickTransport());
