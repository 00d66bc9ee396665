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
  const tasksBySender = new Map<number, Set<string>>();

  const cancelSender = (senderId: number): number => {
    const tasks = tasksBySender.get(senderId);
    tasksBySender.delete(senderId);
    let n = 0;
    for (const t of tasks ?? []) if (opts.dispatcher.cancel(t)) n++;
    return n;
  };

  // Which window started each running task. A call reusing a running task id gets CONFLICT
  // from the dispatcher; it must neither take the task over nor, when it ends, drop it from
  // its real owner's set (then closing that window would no longer cancel it).
  const ownerOf = new Map<string, number>();

  const track = (sender: IpcSenderLike, task: string) => {
    if (ownerOf.has(task)) return () => {};
    ownerOf.set(task, sender.id);
    let tasks = tasksBySender.get(sender.id);
    if (!tasks) {
      tasks = new Set();
      tasksBySender.set(sender.id, tasks);
      sender.once('destroyed', () => {
        const n = cancelSender(sender.id);
        if (n) log(`ipc: window ${sender.id} closed, cancelled ${n} running task(s)`);
      });
    }
    tasks.add(task);
    return () => {
      tasks.delete(task);
      ownerOf.delete(task);
    };
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
      const task = taskOf(envelope);
      const untrack = task ? track(sender, task) : () => {};
      try {
        return await opts.dispatcher.dispatch(method, envelope, onEvent);
      } finally {
        untrack();
      }
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

function taskOf(envelope: unknown): string | undefined {
  if (typeof envelope !== 'object' || envelope === null || !('task' in envelope)) return undefined;
  const task = (envelope as { task: unknown }).task;
  return typeof task === 'string' ? task : undefined;
}
