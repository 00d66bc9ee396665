import type { Dispatcher } from '../api/dispatch.js';
import { toApiError } from '../api/dispatch.js';
import { type CallResult, IPC_EVENT_CHANNEL, ipcChannel, type Method, methods } from '../api/contract.js';
import type { ApplianceEvent } from '../engine/events/index.js';
import { redactText } from '../engine/redact.js';
import { APP_ORIGIN, originOf } from './app-origin.js';

/** The parts of Electron's WebContents the IPC host touches (the sender of a call). */
export interface IpcSenderLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** The parts of Electron's IpcMainInvokeEvent the IPC host reads. */
export interface IpcInvokeEventLike {
  readonly sender: IpcSenderLike;
  readonly senderFrame: { readonly url: string } | null;
}

/** The parts of Electron's ipcMain the IPC host uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcRegistration {
  /** The channels registered: one per contract method, nothing else. */
  readonly channels: readonly string[];
  /** Cancels every running task a web contents started; answers how many were running. */
  cancelSender(senderId: number): number;
  /** Removes the handlers (tests, shutdown). */
  dispose(): void;
}

/**
 * The Electron host of the contract: one `ipcMain.handle` channel per contract method, all
 * going through the one dispatcher (validation, cancel, typed errors, redaction). Before
 * anything else, the calling frame must be a page of the app origin: a frame that navigated
 * elsewhere, or an injected subframe, gets a PERMISSION error and nothing runs. Events of a
 * call go back to the web contents that made it, and when that web contents is destroyed
 * (window closed, renderer crashed) its running tasks are cancelled: nobody is left to see
 * or cancel them. Handlers never throw: every failure is a `{ ok: false, error }` result.
 */
export function registerIpc(opts: { ipcMain: IpcMainLike; dispatcher: Dispatcher; appOrigin?: string; log?: (line: string) => void }): IpcRegistration {
  const appOrigin = originOf(opts.appOrigin ?? APP_ORIGIN);
  const log = opts.log ?? (() => {});
  // The dispatcher keeps who started each running task (owner = the web contents), so a call
  // that reuses a running task id (CONFLICT) cannot take that task over or untrack it.
  const ownerOf = (senderId: number) => `window:${senderId}`;
  const watched = new Set<number>();

  const cancelSender = (senderId: number): number => opts.dispatcher.cancelOwner(ownerOf(senderId));

  const watch = (sender: IpcSenderLike) => {
    if (watched.has(sender.id)) return;
    sender.once('destroyed', () => {
      watched.delete(sender.id);
      // Closing the window also forgets the sites it unlocked (see site.unlock).
      const n = opts.dispatcher.closeOwner(ownerOf(sender.id));
      if (n) log(`ipc: window ${sender.id} closed, cancelled ${n} running task(s)`);
    });
    watched.add(sender.id);
  };

  const handle = async (method: Method, event: IpcInvokeEventLike, envelope: unknown): Promise<CallResult> => {
    try {
      const frameUrl = event.senderFrame?.url ?? '';
      if (appOrigin === null || originOf(frameUrl) !== appOrigin) {
        log(`ipc: refused ${method} from ${redactText(frameUrl || '(no frame)')}`);
        return {
          ok: false,
          error: { code: 'PERMISSION', message: `Refused ${method}: only the appliance's own pages may call it (the caller was ${redactText(frameUrl || 'a closed frame')}).` },
        };
      }
      const sender = event.sender;
      const onEvent = (e: ApplianceEvent) => {
        if (!sender.isDestroyed()) sender.send(IPC_EVENT_CHANNEL, e);
      };
      watch(sender);
      return await opts.dispatcher.dispatch(method, envelope, onEvent, ownerOf(sender.id));
    } catch (e) {
      // The dispatcher never throws; this catches a broken sender object, so the renderer
      // still gets a typed answer instead of Electron's generic "Error invoking remote method".
      const error = toApiError(e);
      return { ok: false, error: { ...error, message: redactText(error.message) } };
    }
  };

  const channels = methods.map((m) => {
    const channel = ipcChannel(m);
    opts.ipcMain.handle(channel, (event, envelope) => handle(m, event, envelope));
    return channel;
  });

  return {
    channels,
    cancelSender,
    dispose: () => channels.forEach((c) => opts.ipcMain.removeHandler(c)),
  };
}
