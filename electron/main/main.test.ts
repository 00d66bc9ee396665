import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as fake from '../../test/doubles/electron-module.js';
import { RecordingWebContents } from '../../test/doubles/electron-web-contents.js';
import { ipcChannel, methods } from '../api/contract.js';
import { APP_ENTRY_URL } from './app-origin.js';
import { APP_CSP } from './app-protocol.js';
import { secureWindowOptions } from './window.js';

// main.ts runs at import; these stand-ins let it run here: the electron module (no binary)
// and the repository root (a temp dir with a built renderer and preload, or without).
// The factory hands out the one instance imported above (vi.resetModules would otherwise give
// main.ts a fresh copy whose recordings this test cannot see).
const root = vi.hoisted(() => ({ dir: '', electron: undefined as unknown }));
vi.mock('electron', () => root.electron as object);
vi.mock('./app-paths.js', async (orig) => {
  const real = await orig<typeof import('./app-paths.js')>();
  return { ...real, repoRoot: () => root.dir, rendererDir: (r: string) => join(r, 'dist', 'renderer') };
});

root.electron = fake;

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function makeRoot(opts: { preload: boolean }) {
  root.dir = join(tmpdir(), `main-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
  made.push(root.dir);
  mkdirSync(join(root.dir, 'dist', 'renderer'), { recursive: true });
  mkdirSync(join(root.dir, 'dist', 'preload'), { recursive: true });
  writeFileSync(join(root.dir, 'dist', 'renderer', 'index.html'), '<!doctype html><title>built</title>');
  if (opts.preload) writeFileSync(join(root.dir, 'dist', 'preload', 'preload.cjs'), '');
}

async function startMain() {
  vi.resetModules();
  await import('./main.js');
  await new Promise((r) => setImmediate(r));
}

beforeEach(() => {
  fake.log.length = 0;
  fake.state.singleInstanceLock = true;
  fake.FakeBrowserWindow.windows = [];
  fake.protocol.privileged.length = 0;
  fake.protocol.handlers.clear();
  fake.ipcMain.handlers.clear();
  fake.dialog.errors.length = 0;
  fake.app.removeAllListeners();
});

describe('main.ts (with the electron module stood in for)', () => {
  it('enables the sandbox and registers the privileged scheme before the app is ready', async () => {
    makeRoot({ preload: true });
    await startMain();
    const i = (s: string) => fake.log.indexOf(s);
    expect(i('app.enableSandbox')).toBeGreaterThanOrEqual(0);
    expect(i('app.enableSandbox')).toBeLessThan(i('app.whenReady'));
    expect(i('protocol.registerSchemesAsPrivileged')).toBeLessThan(i('app.whenReady'));
    expect(fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
    ]);
  });

  it('secures every web contents, registered before the first window exists', async () => {
    makeRoot({ preload: true });
    await startMain();
    expect(fake.log.indexOf('app.on web-contents-created')).toBeLessThan(fake.log.indexOf('new BrowserWindow'));
    const contents = new RecordingWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.fire('will-navigate', 'https://evil.com/')).toBe(true);
    expect(contents.fire('will-navigate', 'app://appliance/#/x')).toBe(false);
    expect(contents.session.checkHandler!(null, 'media')).toBe(false);
  });

  it('opens one secure window on the app origin, serves the renderer with the CSP, and registers exactly the contract over IPC', async () => {
    makeRoot({ preload: true });
    await startMain();
    expect(fake.FakeBrowserWindow.windows).toHaveLength(1);
    const win = fake.FakeBrowserWindow.windows[0]!;
    expect(win.options).toEqual(secureWindowOptions({ preloadPath: join(root.dir, 'dist', 'preload', 'preload.cjs'), devTools: true }));
    expect(win.loaded).toEqual([APP_ENTRY_URL]);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);

    const handler = fake.protocol.handlers.get('app')!;
    const res = await handler({ url: 'app://appliance/index.html', method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(await res.text()).toContain('<title>built</title>');
    // A path out of the renderer dir is never served (it falls back to the app's index).
    expect(await (await handler({ url: 'app://appliance/%2e%2e/%2e%2e/%2e%2e/etc/passwd', method: 'GET' })).text()).not.toMatch(/root:/);
    expect((await handler({ url: 'app://appliance/%2e%2e/%2e%2e/etc/hostname.txt', method: 'GET' })).status).toBe(404);

    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(methods.map(ipcChannel).sort());
    expect(fake.session.defaultSession.checkHandler!(null, 'geolocation')).toBe(false);
    expect(fake.log).toContain('Menu.setApplicationMenu');
  });

  it('quits when the last window closes (not on macOS), and focuses the window on a second launch', async () => {
    makeRoot({ preload: true });
    await startMain();
    fake.app.emit('second-instance');
    expect(fake.FakeBrowserWindow.windows[0]!.focused).toBe(true);
    fake.app.emit('window-all-closed');
    expect(fake.log.includes('app.quit')).toBe(process.platform !== 'darwin');
  });

  it('downloads are refused on the default session too', async () => {
    makeRoot({ preload: true });
    await startMain();
    expect(fake.session.defaultSession.fireDownload('app://appliance/index.html')).toEqual({ prevented: true, cancelled: true });
  });

  it('a packaged app refuses remote debugging and inspector switches and sets nothing up', async () => {
    makeRoot({ preload: true });
    const argv = process.argv;
    fake.app.isPackaged = true;
    try {
      for (const [args, switches] of [
        [['--remote-debugging-port=9222'], []],
        [['--remote-debugging-pipe'], []],
        [['--inspect=9229'], []],
        [[], ['remote-debugging-port']],
      ] as const) {
        fake.log.length = 0;
        fake.dialog.errors.length = 0;
        fake.FakeBrowserWindow.windows = [];
        process.argv = [argv[0]!, ...args];
        fake.app.commandLine.switches = new Set(switches);
        await startMain();
        expect(fake.log, String(args)).toContain('app.exit 1');
        expect(fake.dialog.errors[0]?.[1]).toMatch(/does not start with debugging switches \(--(remote-debugging|inspect)/);
        for (const step of ['app.enableSandbox', 'protocol.registerSchemesAsPrivileged', 'app.requestSingleInstanceLock', 'app.whenReady']) expect(fake.log).not.toContain(step);
        expect(fake.FakeBrowserWindow.windows).toHaveLength(0);
      }
      // Without them the packaged app starts as usual.
      fake.log.length = 0;
      process.argv = [argv[0]!];
      fake.app.commandLine.switches = new Set();
      await startMain();
      expect(fake.log).not.toContain('app.exit 1');
      expect(fake.FakeBrowserWindow.windows).toHaveLength(1);
      // Its resources (trust anchors, installer assets) come from inside app.asar.
      expect(fake.log).toContain('app.getAppPath');
    } finally {
      process.argv = argv;
      fake.app.isPackaged = false;
      fake.app.commandLine.switches = new Set();
    }
  });

  it('a development build keeps debugging switches for the developer', async () => {
    makeRoot({ preload: true });
    const argv = process.argv;
    process.argv = [argv[0]!, '--inspect'];
    try {
      await startMain();
      expect(fake.log).not.toContain('app.exit 1');
      expect(fake.FakeBrowserWindow.windows).toHaveLength(1);
    } finally {
      process.argv = argv;
    }
  });

  it('a second instance quits at once and sets nothing up', async () => {
    makeRoot({ preload: true });
    fake.state.singleInstanceLock = false;
    await startMain();
    expect(fake.log).toContain('app.quit');
    expect(fake.log).not.toContain('app.whenReady');
    expect(fake.log).not.toContain('app.on web-contents-created');
    expect(fake.FakeBrowserWindow.windows).toHaveLength(0);
  });

  it('without a built preload it says what to run and exits, instead of opening a broken window', async () => {
    makeRoot({ preload: false });
    await startMain();
    expect(fake.FakeBrowserWindow.windows).toHaveLength(0);
    expect(fake.dialog.errors[0]?.[1]).toMatch(/preload is not built .*npm run build/);
    expect(fake.log).toContain('app.exit 1');
  });
});
