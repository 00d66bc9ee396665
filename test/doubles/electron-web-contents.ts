// Stands in for Electron's app, WebContents and Session, which need the Electron binary: records the handlers security.ts installs so a test can fire events at them.
import type { AppLike, DownloadItemLike, PreventableLike, SessionLike, WebContentsLike } from '../../electron/main/security.js';

type AnyListener = (...args: never[]) => unknown;

export class RecordingSession implements SessionLike {
  requestHandler?: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void;
  checkHandler?: (wc: unknown, permission: string) => boolean;
  deviceHandler?: () => boolean;
  readonly downloadListeners: ((event: PreventableLike, item: DownloadItemLike) => void)[] = [];

  setPermissionRequestHandler(handler: NonNullable<RecordingSession['requestHandler']>): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: NonNullable<RecordingSession['checkHandler']>): void {
    this.checkHandler = handler;
  }
  setDevicePermissionHandler(handler: NonNullable<RecordingSession['deviceHandler']>): void {
    this.deviceHandler = handler;
  }
  on(_event: 'will-download', listener: (event: PreventableLike, item: DownloadItemLike) => void): this {
    this.downloadListeners.push(listener);
    return this;
  }

  /** Like a page starting a download (a link with `download`, a file response): says whether it was stopped. */
  fireDownload(url: string): { prevented: boolean; cancelled: boolean } {
    const e = new RecordingEvent();
    let cancelled = false;
    const item: DownloadItemLike = { getURL: () => url, cancel: () => void (cancelled = true) };
    for (const l of this.downloadListeners) l(e, item);
    return { prevented: e.defaultPrevented, cancelled };
  }
}

/** A preventable event as Electron passes it; records whether the default was prevented. */
export class RecordingEvent implements PreventableLike {
  defaultPrevented = false;
  constructor(readonly url?: string) {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class RecordingWebContents implements WebContentsLike {
  readonly session = new RecordingSession();
  readonly listeners = new Map<string, AnyListener[]>();
  windowOpenHandler?: (details: { url: string }) => { action: 'deny' };

  on(event: string, listener: AnyListener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  /** Fires a navigation-like event the way Electron 45 does (details object with url) and says whether it was blocked. */
  fire(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'will-attach-webview', url?: string): boolean {
    const e = new RecordingEvent(url);
    for (const l of this.listeners.get(event) ?? []) (l as (d: PreventableLike, url?: string) => void)(e, url);
    return e.defaultPrevented;
  }
}

export class RecordingApp implements AppLike {
  readonly listeners = new Map<string, ((event: unknown, contents: WebContentsLike) => void)[]>();

  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  /** Like Electron creating a window, devtools or a frame's web contents. */
  createWebContents(): RecordingWebContents {
    const c = new RecordingWebContents();
    for (const l of this.listeners.get('web-contents-created') ?? []) l({}, c);
    return c;
  }
}
