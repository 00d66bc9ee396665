// Stands in for Electron's ipcRenderer and contextBridge, which need the Electron binary: records invokes, listeners and what the preload exposes.
import type { IpcRendererLike } from '../../electron/preload/bridge.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

export class RecordingIpcRenderer implements IpcRendererLike {
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  readonly listeners = new Map<string, Set<Listener>>();
  /** The object Electron passes as the first listener argument; it must never reach the page. */
  readonly electronEvent = { sender: this, senderId: 0, ports: [] };

  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return { ok: true, value: { channel } };
  }

  on(channel: string, listener: Listener): this {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  }

  removeListener(channel: string, listener: Listener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }

  /** Simulates main calling webContents.send(channel, payload). */
  emit(channel: string, payload: unknown): void {
    for (const l of this.listeners.get(channel) ?? []) l(this.electronEvent, payload);
  }
}

export class RecordingContextBridge {
  readonly exposed = new Map<string, unknown>();

  exposeInMainWorld(key: string, api: unknown): void {
    if (this.exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    this.exposed.set(key, api);
  }
}
