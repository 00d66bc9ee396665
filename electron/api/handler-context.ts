import type { OnEvent } from '../engine/events/index.js';
import type { SiteSession } from './site-sessions.js';

/** Where the running app keeps its things; set by the host at start. */
export interface AppPaths {
  /** installer-assets/ and bundles/trusted-keys/ (inside app.asar in a packaged app, the repo in dev). */
  resourcesDir: string;
  /** Per-user state: trusted keys, verify cache, recent sites. */
  dataDir: string;
}

/** What every handler gets besides its input. */
export interface HandlerContext {
  /** The caller's task id: put it on every event so the renderer can group them. */
  task: string;
  onEvent: OnEvent;
  signal: AbortSignal;
  host: 'electron' | 'console';
  paths: AppPaths;
  /** Cancels another running task (used by task.cancel). */
  cancelTask: (task: string) => boolean;
  /**
   * The caller's unlocked sites (its window / console connection; a call without an owner gets
   * one that ends with the call). unlockSite reads it too, so most handlers never need it.
   */
  session: SiteSession;
}
