import { create } from 'zustand';
import type { Output } from '../../../electron/api/contract.js';
import { api, isLockedError } from '../api/client.js';

export type UnlockedSite = Output<'site.session'>['unlocked'][number];

/** An open request to unlock a site (the dialog shows it); resolved by unlock or cancel. */
export interface UnlockPrompt {
  dir: string;
  /** What the engineer was doing, e.g. "probe the servers". */
  purpose: string;
}

interface UnlockState {
  /** The sites this window unlocked (from site.session): where and until when, never a passphrase. */
  unlocked: UnlockedSite[];
  idleTimeoutSeconds: number;
  prompt: UnlockPrompt | null;
  refresh(): Promise<void>;
  /** Sends the typed passphrase once to site.unlock; throws ApiCallError (e.g. PERMISSION when wrong). */
  unlock(dir: string, passphrase: string): Promise<void>;
  /** Lock now: one site, or every site of this window. */
  lock(dir?: string): Promise<void>;
  /** Opens the unlock dialog; resolves true once the site is unlocked, false if the engineer cancels. */
  ask(dir: string, purpose: string): Promise<boolean>;
  /** Closes the dialog without unlocking. */
  cancel(): void;
}

// Kept outside the store state: a function is not something a screen should render.
let pending: ((ok: boolean) => void) | null = null;
const settle = (ok: boolean) => {
  const p = pending;
  pending = null;
  p?.(ok);
};

/** Same folder, however it was typed (trailing slash). The host compares resolved paths. */
export const sameDir = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/** Unlocked now, by the last site.session answer and the local clock. */
export function isUnlocked(unlocked: UnlockedSite[], dir: string, now = Date.now()): boolean {
  return unlocked.some((u) => sameDir(u.dir, dir) && Date.parse(u.expiresAt) > now);
}

/**
 * The window's unlocked sites, as the host reports them. The passphrase is typed into the
 * unlock dialog, sent once with site.unlock and dropped: it never lives in this store.
 */
export const useUnlock = create<UnlockState>((set, get) => ({
  unlocked: [],
  idleTimeoutSeconds: 900,
  prompt: null,
  refresh: async () => {
    try {
      const s = await api.call('site.session', {});
      set({ unlocked: s.unlocked, idleTimeoutSeconds: s.idleTimeoutSeconds });
    } catch {
      // Not connected: the shell already says so; keep what we knew.
    }
  },
  unlock: async (dir, passphrase) => {
    await api.call('site.unlock', { dir, passphrase });
    await get().refresh();
    set({ prompt: null });
    settle(true);
  },
  lock: async (dir) => {
    await api.call('site.lock', dir ? { dir } : {});
    await get().refresh();
  },
  ask: (dir, purpose) => {
    if (isUnlocked(get().unlocked, dir)) return Promise.resolve(true);
    settle(false); // a newer request replaces an older one
    set({ prompt: { dir, purpose } });
    return new Promise<boolean>((resolve) => (pending = resolve));
  },
  cancel: () => {
    set({ prompt: null });
    settle(false);
  },
}));

let refreshTimer: ReturnType<typeof setTimeout> | null = null;
/** Re-reads site.session shortly after other calls (which may have extended or needed an unlock). */
export function watchCalls(): () => void {
  return api.onCallDone((method) => {
    if (method === 'site.session') return;
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void useUnlock.getState().refresh(), 150);
  });
}

/**
 * Before an action that needs the site passphrase: true at once when the site is unlocked,
 * else the unlock dialog asks (false when cancelled). Screens never hold a passphrase field.
 */
export async function ensureUnlocked(dir: string, purpose: string): Promise<boolean> {
  const s = useUnlock.getState();
  await s.refresh();
  return useUnlock.getState().ask(dir, purpose);
}

/**
 * Runs an action that needs the site passphrase only sometimes (e.g. issuing signs nothing when
 * every certificate is current): tries it, and if the host answers "locked", asks to unlock and
 * tries once more. Cancelling the dialog rethrows the locked error.
 */
export async function withUnlock<T>(dir: string, purpose: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isLockedError(e)) throw e;
    if (!(await ensureUnlocked(dir, purpose))) throw e;
    return fn();
  }
}
