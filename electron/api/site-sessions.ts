import { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import { ApplianceError } from '../engine/errors.js';
import { registerSecret, withSecretScope } from '../engine/redact.js';

/** Idle time after which an unlocked site locks itself (reset each time its passphrase is used). */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 15 * 60;

/** Time source and timers, injectable so tests can drive idle expiry without waiting. */
export interface SessionClock {
  now(): number;
  /** Calls fn after ms; returns a function that cancels it. Must not keep the process alive. */
  setTimer(fn: () => void, ms: number): () => void;
}

const realClock: SessionClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** What the renderer may learn about an unlocked site: where, and until when. Never the passphrase. */
export interface UnlockedSite {
  dir: string;
  /** ISO time at which it locks itself unless used before. */
  expiresAt: string;
}

/** One caller's (a window's, a console connection's) unlocked sites, as a handler sees them. */
export interface SiteSession {
  readonly idleTimeoutSeconds: number;
  /** Keeps `passphrase` (already proven against DIR/secrets.enc) until locked, closed or idle. */
  unlock(dir: string, passphrase: string, idleTimeoutSeconds?: number): UnlockedSite;
  /** Locks one site, or every site of this caller; answers the folders that were unlocked. */
  lock(dir?: string): string[];
  list(): UnlockedSite[];
  /** The passphrase of an unlocked site (and restarts its idle time), or undefined. */
  passphrase(dir: string): string | undefined;
}

export interface SiteSessionStore {
  readonly idleTimeoutSeconds: number;
  /** The session of one owner (e.g. "window:3", "socket:7"); created empty on first use. */
  forOwner(owner: string): SiteSession;
  /** Forgets everything an owner unlocked; answers how many sites. */
  forget(owner: string): number;
  /**
   * Its window or connection closed: forgets its sites, and an unlock that finishes later (a call
   * still running when it closed) is refused, so nothing outlives the window.
   */
  close(owner: string): number;
  /** Owners that have at least one unlocked site (for tests and diagnostics). */
  owners(): string[];
}

/** The redaction scope a site's secrets live in; the dispatcher scopes calls on a site the same way. */
export function siteSecretScope(dir: string): string {
  return `site:${resolve(dir)}`;
}

interface Entry {
  dir: string;
  passphrase: string;
  idleMs: number;
  expiresAt: number;
  cancelTimer: () => void;
  /** Lets go of the redaction scope that keeps the passphrase (and the site's secrets) masked. */
  release: () => void;
}

/**
 * The unlocked sites of every window / console connection, kept only in the host process.
 * Passphrases live in this closure, never on a returned object (so nothing that serialises a
 * result, a log line or the store itself can carry one). While a site is unlocked, its
 * passphrase and the secrets registered on it stay masked: the entry holds the site's redaction
 * scope open until it is locked, expires or its owner goes away.
 */
export function createSiteSessionStore(opts: { idleTimeoutSeconds?: number; clock?: SessionClock } = {}): SiteSessionStore {
  const clock = opts.clock ?? realClock;
  const defaultIdle = opts.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  const byOwner = new Map<string, Map<string, Entry>>();
  // One name per window / connection ever closed: a handful in a session of the app.
  const closed = new Set<string>();

  const view = (e: Entry): UnlockedSite => ({ dir: e.dir, expiresAt: new Date(e.expiresAt).toISOString() });

  const drop = (owner: string, key: string) => {
    const sites = byOwner.get(owner);
    const e = sites?.get(key);
    if (!sites || !e) return;
    sites.delete(key);
    if (sites.size === 0) byOwner.delete(owner);
    e.cancelTimer();
    e.release();
  };

  const arm = (owner: string, key: string, e: Entry) => {
    e.cancelTimer();
    e.expiresAt = clock.now() + e.idleMs;
    e.cancelTimer = clock.setTimer(() => {
      // A timer that lost a race with a later use finds a later deadline and re-arms.
      if (clock.now() >= e.expiresAt) drop(owner, key);
      else arm(owner, key, e);
    }, e.idleMs);
  };

  /** An entry that is still live; an expired one found before its timer fired is dropped here. */
  const live = (owner: string, key: string): Entry | undefined => {
    const e = byOwner.get(owner)?.get(key);
    if (e && clock.now() >= e.expiresAt) {
      drop(owner, key);
      return undefined;
    }
    return e;
  };

  function holdScope(dir: string, passphrase: string): () => void {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Runs synchronously up to `await held`, so the passphrase is registered in the site's scope
    // before unlock returns; the scope stays open (and masking) until release().
    void withSecretScope(siteSecretScope(dir), async () => {
      registerSecret(passphrase);
      await held;
    });
    return release;
  }

  function forOwner(owner: string): SiteSession {
    return {
      idleTimeoutSeconds: defaultIdle,
      unlock(dir, passphrase, idleTimeoutSeconds) {
        if (closed.has(owner)) throw new ApplianceError('CANCELLED', 'The window that asked to unlock the site has closed; nothing was kept.');
        const key = resolve(dir);
        const previous = byOwner.get(owner)?.get(key);
        const entry: Entry = { dir, passphrase, idleMs: (idleTimeoutSeconds ?? defaultIdle) * 1000, expiresAt: 0, cancelTimer: () => {}, release: holdScope(dir, passphrase) };
        // The new hold is taken before the old one goes, so the site's scope never closes in between.
        if (previous) drop(owner, key);
        let sites = byOwner.get(owner);
        if (!sites) byOwner.set(owner, (sites = new Map()));
        sites.set(key, entry);
        arm(owner, key, entry);
        return view(entry);
      },
      lock(dir) {
        const sites = byOwner.get(owner);
        if (!sites) return [];
        const keys = dir === undefined ? [...sites.keys()] : [resolve(dir)].filter((k) => sites.has(k));
        const dirs = keys.map((k) => sites.get(k)!.dir);
        for (const k of keys) drop(owner, k);
        return dirs;
      },
      list() {
        const sites = byOwner.get(owner);
        if (!sites) return [];
        return [...sites.keys()].map((k) => live(owner, k)).filter((e): e is Entry => !!e).map(view);
      },
      passphrase(dir) {
        const key = resolve(dir);
        const e = live(owner, key);
        if (!e) return undefined;
        arm(owner, key, e);
        return e.passphrase;
      },
    };
  }

  const forget = (owner: string) => {
    const sites = byOwner.get(owner);
    if (!sites) return 0;
    const keys = [...sites.keys()];
    for (const k of keys) drop(owner, k);
    return keys.length;
  };

  return {
    idleTimeoutSeconds: defaultIdle,
    forOwner,
    forget,
    close(owner) {
      closed.add(owner);
      return forget(owner);
    },
    owners: () => [...byOwner.keys()],
  };
}

const current = new AsyncLocalStorage<SiteSession>();

/** Runs a handler with its caller's session, so unlockSite can fall back to it (see typed-passphrase.ts). */
export function runWithSiteSession<T>(session: SiteSession, fn: () => Promise<T>): Promise<T> {
  return current.run(session, fn);
}

/** The session of the call running now, if a host runs it with one. */
export function currentSiteSession(): SiteSession | undefined {
  return current.getStore();
}
