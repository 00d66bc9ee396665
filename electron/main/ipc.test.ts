import { describe, expect, it } from 'vitest';
import { RecordingIpcMain, RecordingSender } from '../../test/doubles/electron-ipc-main.js';
import { createDispatcher } from '../api/dispatch.js';
import { IPC_EVENT_CHANNEL, ipcChannel, methods, type CallResult } from '../api/contract.js';
import type { HandlerContext } from '../api/handler-context.js';
import { handlers } from '../api/handlers.js';
import { registerIpc } from './ipc.js';

const paths = { resourcesDir: '/nonexistent/resources', dataDir: '/nonexistent/data' };
const APP_PAGE = 'app://appliance/index.html';

function setup(over: Record<string, (input: unknown, ctx: HandlerContext) => Promise<unknown>> = {}) {
  const ipcMain = new RecordingIpcMain();
  const dispatcher = createDispatcher({ host: 'electron', paths, handlers: { ...handlers, ...over } as never });
  const logs: string[] = [];
  const reg = registerIpc({ ipcMain, dispatcher, log: (l) => logs.push(l) });
  return { ipcMain, dispatcher, reg, logs };
}

describe('registerIpc', () => {
  it('registers exactly one channel per contract method, no more, no less', () => {
    const { ipcMain, reg } = setup();
    const expected = methods.map(ipcChannel).sort();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(expected);
    expect([...reg.channels].sort()).toEqual(expected);
    reg.dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(ipcMain.removed.sort()).toEqual(expected);
  });

  it('answers a call from the app origin through the dispatcher', async () => {
    const { ipcMain } = setup();
    const r = (await ipcMain.invoke(ipcChannel('app.info'), new RecordingSender(), APP_PAGE, { task: 't1', input: {} })) as CallResult<'app.info'>;
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.host).toBe('electron');
  });

  it('refuses foreign, look-alike or missing sender frames before running anything', async () => {
    let ran = 0;
    const { ipcMain } = setup({ 'app.info': async () => (ran++, { version: '1', host: 'electron', platform: 'x', arch: 'x', node: 'x' }) });
    for (const frame of ['https://evil.com/', 'app://appliance.evil/', 'app://appliance@evil/', 'file:///work/main/dist/renderer/index.html', 'data:text/html,x', 'about:blank', '', null]) {
      const r = (await ipcMain.invoke(ipcChannel('app.info'), new RecordingSender(), frame, { task: 't', input: {} })) as CallResult;
      expect(r.ok, String(frame)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('PERMISSION');
        expect(r.error.message).toMatch(/only the appliance's own pages/);
      }
    }
    expect(ran).toBe(0);
  });

  it('returns VALIDATION for wrong-typed input or a malformed envelope, and never throws', async () => {
    const { ipcMain } = setup();
    const sender = new RecordingSender();
    const wrong = (await ipcMain.invoke(ipcChannel('hardware.local'), sender, APP_PAGE, { task: 't', input: { x: 1 } })) as CallResult;
    expect(wrong).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const cancelWrong = (await ipcMain.invoke(ipcChannel('task.cancel'), sender, APP_PAGE, { task: 't', input: { task: 42 } })) as CallResult;
    expect(cancelWrong).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    for (const envelope of [undefined, null, 'x', 7, [], { input: {} }, { task: '', input: {} }]) {
      const r = (await ipcMain.invoke(ipcChannel('app.info'), sender, APP_PAGE, envelope)) as CallResult;
      expect(r, JSON.stringify(envelope)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  it('turns a handler crash into a typed INTERNAL error', async () => {
    const { ipcMain } = setup({
      'app.info': async () => {
        throw new Error('boom');
      },
    });
    const r = await ipcMain.invoke(ipcChannel('app.info'), new RecordingSender(), APP_PAGE, { task: 't', input: {} });
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('a sender that throws on use still gets a typed answer', async () => {
    const { ipcMain } = setup();
    const broken = new RecordingSender();
    Object.defineProperty(broken, 'once', {
      value: () => {
        throw new Error('Object has been destroyed');
      },
    });
    const r = await ipcMain.invoke(ipcChannel('app.info'), broken, APP_PAGE, { task: 't', input: {} });
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'Object has been destroyed' } });
  });

  it('sends the events of a call to the web contents that made it, and nowhere else', async () => {
    const { ipcMain } = setup({
      'app.info': async (_i, ctx) => {
        ctx.onEvent({ type: 'log', task: ctx.task, stream: 'info', line: 'hello' });
        return { version: '1', host: 'electron', platform: 'x', arch: 'x', node: 'x' };
      },
    });
    const a = new RecordingSender();
    const b = new RecordingSender();
    await ipcMain.invoke(ipcChannel('app.info'), a, APP_PAGE, { task: 'ta', input: {} });
    expect(a.sent).toEqual([{ channel: IPC_EVENT_CHANNEL, args: [{ type: 'log', task: 'ta', stream: 'info', line: 'hello' }] }]);
    expect(b.sent).toEqual([]);
  });

  it('cancels the running tasks of a window when it closes, and does not send to it afterwards', async () => {
    let signal: AbortSignal | undefined;
    let emit: (() => void) | undefined;
    const { ipcMain, logs } = setup({
      'hardware.local': (_i, ctx) =>
        new Promise((_resolve, reject) => {
          signal = ctx.signal;
          emit = () => ctx.onEvent({ type: 'log', task: ctx.task, stream: 'info', line: 'late' });
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const win = new RecordingSender();
    const pending = ipcMain.invoke(ipcChannel('hardware.local'), win, APP_PAGE, { task: 'long', input: {} });
    await new Promise((r) => setImmediate(r));
    expect(signal?.aborted).toBe(false);
    win.destroy();
    expect(signal?.aborted).toBe(true);
    expect(() => emit!()).not.toThrow();
    expect(win.sent).toEqual([]);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(logs.some((l) => /cancelled 1 running task/.test(l))).toBe(true);
  });

  it('a finished task is no longer cancelled on close', async () => {
    const { ipcMain, reg } = setup();
    const win = new RecordingSender();
    await ipcMain.invoke(ipcChannel('app.info'), win, APP_PAGE, { task: 'done', input: {} });
    expect(reg.cancelSender(win.id)).toBe(0);
  });
});

describe('registerIpc: a reused task id', () => {
  const longRunning = (signals: AbortSignal[]) => ({
    'hardware.local': (_i: unknown, ctx: HandlerContext) =>
      new Promise((_resolve, reject) => {
        signals.push(ctx.signal);
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
  });

  it('a second call with a running task id gets CONFLICT and the window still cancels the original on close', async () => {
    const signals: AbortSignal[] = [];
    const { ipcMain } = setup(longRunning(signals));
    const win = new RecordingSender();
    const original = ipcMain.invoke(ipcChannel('hardware.local'), win, APP_PAGE, { task: 'X', input: {} });
    await new Promise((r) => setImmediate(r));
    const again = await ipcMain.invoke(ipcChannel('hardware.local'), win, APP_PAGE, { task: 'X', input: {} });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(false);
    win.destroy();
    expect(signals[0]!.aborted).toBe(true);
    expect(await original).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it("another window reusing the id neither takes the task over nor cancels it when it closes", async () => {
    const signals: AbortSignal[] = [];
    const { ipcMain } = setup(longRunning(signals));
    const owner = new RecordingSender();
    const other = new RecordingSender();
    const original = ipcMain.invoke(ipcChannel('hardware.local'), owner, APP_PAGE, { task: 'Y', input: {} });
    await new Promise((r) => setImmediate(r));
    expect(await ipcMain.invoke(ipcChannel('hardware.local'), other, APP_PAGE, { task: 'Y', input: {} })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    other.destroy();
    expect(signals[0]!.aborted).toBe(false);
    owner.destroy();
    expect(signals[0]!.aborted).toBe(true);
    expect(await original).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });
});
