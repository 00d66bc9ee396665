// Stands in for the `electron` module's main-process API (app, BrowserWindow, protocol, session, ipcMain, Menu, shell, dialog), which needs the Electron binary: records what main.ts does with it.
import { EventEmitter } from 'node:events';
import { RecordingIpcMain } from './electron-ipc-main.js';
import { RecordingSession } from './electron-web-contents.js';

export const log: string[] = [];
export const state = { singleInstanceLock: true };

class FakeApp extends EventEmitter {
  isPackaged = false;
  /** Electron's app.commandLine: switches Chromium parsed from the command line. */
  readonly commandLine = {
    switches: new Set<string>(),
    hasSwitch(name: string) {
      return this.switches.has(name);
    },
  };
  /** Where a packaged app's app.asar would be. */
  appPath = '/nonexistent/resources/app.asar';
  getAppPath() {
    log.push('app.getAppPath');
    return this.appPath;
  }
  enableSandbox() {
    log.push('app.enableSandbox');
  }
  requestSingleInstanceLock() {
    log.push('app.requestSingleInstanceLock');
    return state.singleInstanceLock;
  }
  whenReady() {
    log.push('app.whenReady');
    return Promise.resolve();
  }
  quit() {
    log.push('app.quit');
  }
  exit(code: number) {
    log.push(`app.exit ${code}`);
  }
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    log.push(`app.on ${String(event)}`);
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static windows: FakeBrowserWindow[] = [];
  static getAllWindows() {
    return FakeBrowserWindow.windows;
  }
  loaded: string[] = [];
  shown = false;
  focused = false;
  constructor(readonly options: unknown) {
    super();
    log.push('new BrowserWindow');
    FakeBrowserWindow.windows.push(this);
  }
  loadURL(url: string) {
    this.loaded.push(url);
    return Promise.resolve();
  }
  show() {
    this.shown = true;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {
    this.focused = true;
  }
}

type Handler = (request: { url: string; method: string }) => Promise<Response> | Response;
export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, Handler>(),
  registerSchemesAsPrivileged(schemes: unknown[]) {
    log.push('protocol.registerSchemesAsPrivileged');
    protocol.privileged.push(...schemes);
  },
  handle(scheme: string, handler: Handler) {
    log.push(`protocol.handle ${scheme}`);
    protocol.handlers.set(scheme, handler);
  },
};

export const app = new FakeApp();
export const ipcMain = new RecordingIpcMain();
export const session = { defaultSession: new RecordingSession() };
export const Menu = {
  current: undefined as unknown,
  buildFromTemplate: (t: unknown) => t,
  setApplicationMenu(m: unknown) {
    log.push('Menu.setApplicationMenu');
    Menu.current = m;
  },
};
export const shell = { opened: [] as string[], openExternal: async (u: string) => void shell.opened.push(u) };
export const dialog = { errors: [] as string[][], showErrorBox: (title: string, body: string) => void dialog.errors.push([title, body]) };
export const BrowserWindow = FakeBrowserWindow;
