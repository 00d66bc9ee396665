import { IPC_EVENT_CHANNEL, ipcChannel, type Method } from '../api/contract.js';
import type { ApplianceEvent } from '../engine/events/index.js';
import type { ApplianceBridge } from './bridge-types.js';

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * Builds the object the preload exposes: one named function per contract method, each
 * invoking that method's own channel, plus onEvent. The page never gets ipcRenderer, a
 * channel name, or Electron's event object (its `sender` is ipcRenderer itself).
 */
export function createBridge(ipc: IpcRendererLike, methods: readonly Method[]): ApplianceBridge {
  const api: Record<string, unknown> = {};
  for (const m of methods) {
    const channel = ipcChannel(m);
    api[m] = (envelope: unknown) => ipc.invoke(channel, envelope);
  }
  api.onEvent = (cb: (event: ApplianceEvent) => void) => {
    if (typeof cb !== 'function') throw new TypeError('onEvent needs a function.');
    const listener = (_event: unknown, payload: unknown) => cb(payload as ApplianceEvent);
    ipc.on(IPC_EVENT_CHANNEL, listener);
    return () => {
      ipc.removeListener(IPC_EVENT_CHANNEL, listener);
    };
  };
  return Object.freeze(api) as ApplianceBridge;
}
