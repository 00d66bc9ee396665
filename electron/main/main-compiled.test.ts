import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipcChannel, methods } from '../api/contract.js';

/*
 * The COMPILED main process (tsc -p tsconfig.build.json, as `npm run build:electron` makes it)
 * booted by plain Node with `electron` resolved to a stand-in that logs what main does. Catches
 * what the source-level tests cannot: ESM import paths of the emitted .js, files read relative to
 * the compiled location, and module-evaluation crashes, any of which would leave the real app
 * dead at start with nobody able to see it on a machine without the Electron binary.
 */
const root = join(import.meta.dirname, '..', '..');
let dir: string;
let run: ReturnType<typeof spawnSync>;
let lines: { ev: string; [k: string]: unknown }[] = [];

// Stands in for the electron module when the compiled main runs under plain Node: logs each call as a JSON line.
const FAKE_ELECTRON = `
import { EventEmitter } from 'node:events';
let served;
const log = (ev, data = {}) => process.stdout.write(JSON.stringify({ ev, ...data }) + '\\n');
class App extends EventEmitter {
  isPackaged = false;
  commandLine = { hasSwitch: () => false };
  enableSandbox() { log('enableSandbox'); }
  requestSingleInstanceLock() { return true; }
  whenReady() { log('whenReady'); return Promise.resolve(); }
  quit() { log('quit'); }
  exit(code) { log('exit', { code }); process.exit(code); }
}
export const app = new App();
export class BrowserWindow extends EventEmitter {
  static all = [];
  static getAllWindows() { return BrowserWindow.all; }
  constructor(options) { super(); BrowserWindow.all.push(this); log('window', { options }); }
  loadURL(url) {
    log('loadURL', { url });
    Promise.resolve(served).then(() => setImmediate(() => { log('done'); process.exit(0); }));
    return Promise.resolve();
  }
  show() {}
}
export const protocol = {
  registerSchemesAsPrivileged(s) { log('schemes', { s }); },
  handle(scheme, handler) {
    log('protocol.handle', { scheme });
    served = Promise.resolve(handler({ url: 'app://appliance/index.html', method: 'GET' }))
      .then(async (r) => log('served', { status: r.status, csp: r.headers.get('content-security-policy'), body: await r.text() }));
  },
};
const session0 = { setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, setDevicePermissionHandler() {}, on(event) { log('session.on', { event }); } };
export const session = { defaultSession: session0 };
export const ipcMain = { handle(channel) { log('ipc', { channel }); }, removeHandler() {} };
export const Menu = { buildFromTemplate: (t) => t, setApplicationMenu() { log('menu'); } };
export const shell = { openExternal: async () => {} };
export const dialog = { showErrorBox(title, body) { log('errorBox', { title, body }); } };
export default { app, BrowserWindow, protocol, session, ipcMain, Menu, shell, dialog };
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'main-compiled-'));
  // Same layout as the repository, so the compiled code finds package.json and dist/* as it would.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'dist', 'renderer'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'preload'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'renderer', 'index.html'), '<!doctype html><title>compiled</title>');
  writeFileSync(join(dir, 'dist', 'preload', 'preload.cjs'), '');
  writeFileSync(join(dir, 'fake-electron.mjs'), FAKE_ELECTRON);
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `export async function resolve(s, c, next) { return s === 'electron' ? { url: ${JSON.stringify(pathToFileURL(join(dir, 'fake-electron.mjs')).href)}, shortCircuit: true } : next(s, c); }`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`);
  // Emit only (--noCheck): type errors are the typecheck job's; this test is about the output.
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', join(dir, 'dist', 'electron'), '--sourceMap', 'false'],
    { cwd: root, stdio: 'pipe' },
  );
  run = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'dist', 'electron', 'main', 'main.js')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, APPLIANCE_DATA_DIR: join(dir, 'data'), ELECTRON_RUN_AS_NODE: undefined },
  });
  lines = String(run.stdout)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compiled main process (dist/electron/main/main.js)', () => {
  it('boots to a loaded window without crashing', () => {
    const problem = String(run.stderr).split('\n').find((l) => /Error|ENOENT|Cannot find/.test(l)) ?? '';
    expect(problem === '', `the compiled main crashed: ${problem}`).toBe(true);
    expect(run.status).toBe(0);
    expect(lines.map((l) => l.ev)).toContain('done');
    expect(lines.find((l) => l.ev === 'loadURL')?.url).toBe('app://appliance/index.html');
    expect(lines).toContainEqual({ ev: 'session.on', event: 'will-download' });
  });

  it('registers exactly the contract over IPC and serves the renderer with the CSP', () => {
    expect(lines.filter((l) => l.ev === 'ipc').map((l) => l.channel).sort()).toEqual(methods.map(ipcChannel).sort());
    const served = lines.find((l) => l.ev === 'served');
    expect(served).toMatchObject({ status: 200, body: '<!doctype html><title>compiled</title>' });
    expect(String(served?.csp)).toContain("default-src 'self'");
  });

  it('points the window at the built preload', () => {
    const win = lines.find((l) => l.ev === 'window') as { options: { webPreferences: { preload: string; sandbox: boolean } } } | undefined;
    expect(win?.options.webPreferences.preload).toBe(join(dir, 'dist', 'preload', 'preload.cjs'));
    expect(win?.options.webPreferences.sandbox).toBe(true);
  });
});
