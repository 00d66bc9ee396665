import { redactText } from '../engine/redact.js';
import { APP_ORIGIN, originOf } from './app-origin.js';

/**
 * Links the app may hand to the OS browser. Exact https origins only; everything else a page
 * tries to open is dropped. The appliance runs offline at the hospital, so the only useful
 * external target is the vendor's documentation (read on a connected laptop before or after
 * the visit). `.example` is the reserved placeholder until the vendor's real docs host is
 * fixed: changing it is a one-line, reviewed change here, never a runtime setting.
 */
export const EXTERNAL_ALLOWLIST: readonly string[] = ['https://docs.airgap-appliance.example'];

/** May a frame of the app navigate to `url`? Only within the app's own origin. */
export function isAllowedNavigation(url: string, appOrigin: string = APP_ORIGIN): boolean {
  const origin = originOf(url);
  return origin !== null && origin === originOf(appOrigin);
}

/** May `url` be opened in the OS browser? https, no credentials, origin exactly on the allowlist. */
export function shouldOpenExternal(url: string, allowlist: readonly string[] = EXTERNAL_ALLOWLIST): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:') return false;
  const origin = originOf(url);
  return origin !== null && allowlist.includes(origin);
}

/**
 * window.open / target=_blank: never a new Electron window (it would be a second renderer the
 * preload and the checks here were not designed for); allowlisted links go to the OS browser.
 */
export function decideWindowOpen(url: string, allowlist: readonly string[] = EXTERNAL_ALLOWLIST): { action: 'deny'; openExternal: boolean } {
  return { action: 'deny', openExternal: shouldOpenExternal(url, allowlist) };
}

/** Every permission (camera, geolocation, notifications, USB, HID, serial, clipboard-read...) is denied. */
export const permissionDecision = (): false => false;

/** A preventable Electron event; navigation events also carry the target URL. */
export interface PreventableLike {
  preventDefault(): void;
  url?: string;
}

/** The parts of Electron's DownloadItem this module touches. */
export interface DownloadItemLike {
  getURL(): string;
  cancel(): void;
}

/** The parts of Electron's Session this module touches. */
export interface SessionLike {
  setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (wc: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler(handler: () => boolean): void;
  on(event: 'will-download', listener: (event: PreventableLike, item: DownloadItemLike) => void): unknown;
}

/** The parts of Electron's WebContents this module touches. */
export interface WebContentsLike {
  session: SessionLike;
  on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', listener: (details: PreventableLike, url?: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableLike) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface SecurityOptions {
  appOrigin?: string;
  allowlist?: readonly string[];
  /** shell.openExternal in the real app. */
  openExternal: (url: string) => Promise<void> | void;
  log?: (line: string) => void;
}

/**
 * Locks down one web contents: navigation and redirects only inside the app origin, no new
 * windows, no <webview>, every permission request and check denied, no downloads. Called for EVERY web
 * contents via app.on('web-contents-created'), so devtools, frames and anything created later
 * get the same rules.
 */
export function secureWebContents(contents: WebContentsLike, opts: SecurityOptions): void {
  const appOrigin = opts.appOrigin ?? APP_ORIGIN;
  const log = opts.log ?? (() => {});
  const guard = (kind: string, external: boolean) => (details: PreventableLike, url?: string) => {
    const target = details.url ?? url ?? '';
    if (isAllowedNavigation(target, appOrigin)) return;
    details.preventDefault();
    // A plain link click on an allowlisted docs page opens in the OS browser, as target=_blank does.
    if (external && shouldOpenExternal(target, opts.allowlist)) void Promise.resolve(opts.openExternal(target)).catch(() => {});
    else log(`security: blocked ${kind} to ${redactText(target)}`);
  };
  contents.on('will-navigate', guard('navigation', true));
  contents.on('will-frame-navigate', guard('frame navigation', false));
  contents.on('will-redirect', guard('redirect', false));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('security: blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideWindowOpen(url, opts.allowlist);
    if (decision.openExternal) void Promise.resolve(opts.openExternal(url)).catch(() => {});
    else log(`security: blocked a new window for ${redactText(url)}`);
    return { action: decision.action };
  });
  denyPermissions(contents.session);
  refuseDownloads(contents.session, log);
}

// Sessions already refusing downloads: web contents share a session, one listener each is enough.
const refusing = new WeakSet<SessionLike>();

/**
 * The app never downloads: a page (or anything injected into it) that starts one, by a link,
 * a navigation to a file or a blob, is stopped before a save dialog or a file appears.
 */
export function refuseDownloads(session: SessionLike, log: (line: string) => void = () => {}): void {
  if (refusing.has(session)) return;
  refusing.add(session);
  session.on('will-download', (event, item) => {
    event.preventDefault();
    item.cancel();
    log(`security: refused a download of ${redactText(item.getURL())}`);
  });
}

/** Denies every permission of a session (request and check; device choosers too). */
export function denyPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(permissionDecision()));
  session.setPermissionCheckHandler(() => permissionDecision());
  session.setDevicePermissionHandler(() => permissionDecision());
}

export interface AppLike {
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
}

/** Registers secureWebContents for every web contents the app will ever create. */
export function installSecurity(app: AppLike, opts: SecurityOptions): void {
  app.on('web-contents-created', (_event, contents) => secureWebContents(contents, opts));
}
