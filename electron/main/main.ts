import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import { createDispatcher } from '../api/dispatch.js';
import { redactText } from '../engine/redact.js';
import { APP_ENTRY_URL, APP_ORIGIN, APP_SCHEME } from './app-origin.js';
import { serveAppRequest } from './app-protocol.js';
import { defaultAppPaths, packagedAppPaths, rendererDir, repoRoot } from './app-paths.js';
import { registerIpc } from './ipc.js';
import { appMenuTemplate } from './menu.js';
import { debugSwitchRefusal, forbiddenDebugSwitches } from './debug-switches.js';
import { denyPermissions, installSecurity, refuseDownloads } from './security.js';
import { secureWindowOptions } from './window.js';

/*
 * The Electron host. Thin on purpose: window, security, IPC. Everything it does is decided
 * by the pure modules beside it (window.ts, security.ts, ipc.ts, app-protocol.ts), which are
 * unit-tested without the Electron binary.
 *
 * Order matters: the sandbox switch and the privileged scheme must be set before the app is
 * ready, so both run at module evaluation, before any await.
 */
// A packaged app refuses debugger switches before it sets anything up (see debug-switches.ts);
// development builds keep them for the developer's own debugging.
const debugSwitches = app.isPackaged ? forbiddenDebugSwitches(process.argv, (s) => app.commandLine.hasSwitch(s)) : [];
if (debugSwitches.length) {
  const message = debugSwitchRefusal(debugSwitches);
  process.stderr.write(`[appliance] ${message}\n`);
  dialog.showErrorBox('Airgap Appliance did not start', message);
  app.exit(1);
} else {
  app.enableSandbox();
  registerAppScheme();
}

function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    // standard: a real origin and relative URLs; secure: a secure context, like https;
    // supportFetchAPI: the page may fetch its own assets; corsEnabled: module scripts (which Vite
    // emits with `crossorigin`) go through the normal CORS check, which same-origin passes and
    // every other origin fails, since the handler never sends Access-Control-Allow-Origin.
    // Never bypassCSP, never service workers.
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  ]);
}

const log = (line: string) => process.stderr.write(`[appliance] ${redactText(line)}\n`);
const root = repoRoot();
const staticDir = rendererDir(root);
const preloadPath = join(root, 'dist', 'preload', 'preload.cjs');

if (debugSwitches.length) {
  // Refused above; nothing else is set up.
} else if (!app.requestSingleInstanceLock()) {
  // A second copy would fight the first over the same site folder and journal.
  app.quit();
} else {
  start();
}

function start(): void {
  // Before any window exists, so every web contents (windows, frames, devtools) gets the rules.
  installSecurity(app, { appOrigin: APP_ORIGIN, openExternal: (url) => shell.openExternal(url), log });
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  // macOS keeps the app alive without windows (Cmd+Q quits); elsewhere closing the window quits.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app
    .whenReady()
    .then(ready)
    .catch((e: unknown) => {
      dialog.showErrorBox('Airgap Appliance could not start', redactText(e instanceof Error ? e.message : String(e)));
      app.exit(1);
    });
}

async function ready(): Promise<void> {
  for (const [what, path] of [
    ['renderer', join(staticDir, 'index.html')],
    ['preload', preloadPath],
  ] as const) {
    if (!existsSync(path)) throw new Error(`The ${what} is not built (${path} is missing). Run \`npm run build\` first.`);
  }
  protocol.handle(APP_SCHEME, async (request) => {
    const r = await serveAppRequest({ url: request.url, method: request.method }, staticDir);
    return new Response(typeof r.body === 'string' ? r.body : new Uint8Array(r.body), { status: r.status, headers: r.headers });
  });
  denyPermissions(session.defaultSession);
  refuseDownloads(session.defaultSession, log);
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, { development: !app.isPackaged })));

  const paths = app.isPackaged ? packagedAppPaths(app.getAppPath()) : defaultAppPaths();
  const dispatcher = createDispatcher({ host: 'electron', paths, log });
  registerIpc({ ipcMain, dispatcher, appOrigin: APP_ORIGIN, log });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions({ preloadPath, devTools: !app.isPackaged }));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY_URL);
  return win;
}
