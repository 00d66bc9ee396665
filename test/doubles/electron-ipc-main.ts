// Stands in for Electron's ipcMain, which needs the Electron binary: records handle() registrations and lets a test invoke them.
import type { IpcInvokeEventLike, IpcMainLike, IpcSenderLike } from '../../electron/main/ipc.js';

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

export class RecordingIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  readonly removed: string[] = [];

  handle(channel: string, listener: Listener): void {
    // Electron throws on a second handler for one channel; so does the double.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
    this.removed.push(channel);
  }

  /** What ipcRenderer.invoke(channel, ...args) from `frameUrl` would get back. */
  async invoke(channel: string, sender: IpcSenderLike, frameUrl: string | null, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return listener({ sender, senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args);
  }
}

/** A web contents that sent a call: records what main sends back and can be destroyed. */
export class RecordingSender implements IpcSenderLike {
  private static next = 1;
  readonly id = RecordingSender.next++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  private destroyed = false;
  private readonly onDestroyed: (() => void)[] = [];

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  once(_event: 'destroyed', listener: () => void): this {
    this.onDestroyed.push(listener);
    return this;
  }

  /** Like closing the window: fires 'destroyed' once. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.onDestroyed.splice(0).forEach((l) => l());
  }
}
