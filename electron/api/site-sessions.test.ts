import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { clearRegisteredSecrets, isRegisteredSecret, redactText } from '../engine/redact.js';
import { createSiteSessionStore, type SessionClock } from './site-sessions.js';

/** A clock the test moves by hand: timers fire when advance() passes their deadline. */
function manualClock(start = Date.UTC(2026, 11, 2, 16, 0, 0)) {
  let now = start;
  let timers: { at: number; fn: () => void }[] = [];
  const clock: SessionClock = {
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => (timers = timers.filter((x) => x !== t));
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      due.fn();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

const PASS = 'Session-Store-Passphrase-1';
// A lock lets go of the redaction scope; the scope closes a few microtasks later.
const settle = () => new Promise((r) => setImmediate(r));
const OTHER = 'Other-Site-Passphrase-2';

const stores: ReturnType<typeof createSiteSessionStore>[] = [];
/** A store whose sites are locked after the test, so no test inherits another's open scopes. */
function newStore(opts: Parameters<typeof createSiteSessionStore>[0]) {
  const s = createSiteSessionStore(opts);
  stores.push(s);
  return s;
}

describe('site session store', () => {
  afterEach(async () => {
    for (const s of stores.splice(0)) for (const o of s.owners()) s.forget(o);
    await settle();
    clearRegisteredSecrets();
  });

  it('keeps a passphrase per owner and site, and lists only where and until when', () => {
    const { clock } = manualClock();
    const store = newStore({ clock });
    const a = store.forOwner('window:1');
    const u = a.unlock('/sites/a', PASS);
    expect(u).toEqual({ dir: '/sites/a', expiresAt: '2026-12-02T16:15:00.000Z' });
    expect(a.passphrase('/sites/a')).toBe(PASS);
    expect(a.passphrase('/sites/a/../a/')).toBe(PASS); // the same folder, spelled differently
    expect(a.passphrase('/sites/b')).toBeUndefined();
    // Another window or connection sees nothing of it.
    expect(store.forOwner('socket:1').passphrase('/sites/a')).toBeUndefined();
    expect(store.forOwner('socket:1').list()).toEqual([]);
    expect(a.list()).toEqual([u]);
  });

  it('locks itself after the idle time, and each use restarts it', async () => {
    const { clock, advance, pending } = manualClock();
    const store = newStore({ clock, idleTimeoutSeconds: 60 });
    const s = store.forOwner('window:1');
    s.unlock('/sites/a', PASS);
    advance(50_000);
    expect(s.passphrase('/sites/a')).toBe(PASS); // used at 50 s: now good until 110 s
    advance(50_000);
    expect(s.list()).toEqual([{ dir: '/sites/a', expiresAt: new Date(clock.now() + 10_000).toISOString() }]);
    expect(isRegisteredSecret(PASS)).toBe(true);
    advance(10_000);
    expect(s.passphrase('/sites/a')).toBeUndefined();
    expect(s.list()).toEqual([]);
    expect(store.owners()).toEqual([]);
    expect(pending()).toBe(0);
    // Expired means forgotten, masking included.
    await settle();
    expect(isRegisteredSecret(PASS)).toBe(false);
  });

  it('an expired site found before its timer fired is locked on the spot', async () => {
    let now = 0;
    const store = newStore({ clock: { now: () => now, setTimer: () => () => {} }, idleTimeoutSeconds: 30 });
    const s = store.forOwner('w');
    s.unlock('/sites/a', PASS, 10);
    now = 9_999;
    expect(s.passphrase('/sites/a')).toBe(PASS);
    now = 9_999 + 10_000;
    expect(s.passphrase('/sites/a')).toBeUndefined();
    await settle();
    expect(isRegisteredSecret(PASS)).toBe(false);
  });

  it('lock(dir) locks one site, lock() every site of the owner; forget(owner) is the window closing', async () => {
    const { clock, pending } = manualClock();
    const store = newStore({ clock });
    const s = store.forOwner('socket:3');
    s.unlock('/sites/a', PASS);
    s.unlock('/sites/b', OTHER);
    store.forOwner('socket:4').unlock('/sites/a', PASS);
    expect(s.lock('/sites/a')).toEqual(['/sites/a']);
    expect(s.lock('/sites/a')).toEqual([]);
    expect(s.passphrase('/sites/b')).toBe(OTHER);
    expect(s.lock()).toEqual(['/sites/b']);
    s.unlock('/sites/b', OTHER);
    expect(store.forget('socket:3')).toBe(1);
    expect(store.forget('socket:3')).toBe(0);
    expect(s.passphrase('/sites/b')).toBeUndefined();
    await settle();
    expect(isRegisteredSecret(OTHER)).toBe(false);
    // socket:4 still holds /sites/a, so its passphrase is still masked.
    expect(isRegisteredSecret(PASS)).toBe(true);
    expect(store.owners()).toEqual(['socket:4']);
    store.forget('socket:4');
    await settle();
    expect(isRegisteredSecret(PASS)).toBe(false);
    expect(pending()).toBe(0);
  });

  it('an unlock that finishes after its window closed is refused and keeps nothing', async () => {
    const { clock } = manualClock();
    const store = newStore({ clock });
    const s = store.forOwner('window:8');
    s.unlock('/sites/a', PASS);
    expect(store.close('window:8')).toBe(1);
    expect(() => s.unlock('/sites/a', PASS)).toThrow(/has closed/);
    expect(store.forOwner('window:8').list()).toEqual([]);
    expect(store.owners()).toEqual([]);
    await settle();
    expect(isRegisteredSecret(PASS)).toBe(false);
  });

  it('masks the passphrase everywhere while unlocked (a re-unlock never opens a gap)', async () => {
    const { clock } = manualClock();
    const store = newStore({ clock });
    const s = store.forOwner('w');
    s.unlock('/sites/a', PASS);
    expect(redactText(`echo ${PASS}`)).toBe('echo [REDACTED]');
    s.unlock('/sites/a', PASS);
    await settle();
    expect(redactText(`echo ${PASS}`)).toBe('echo [REDACTED]');
    s.lock();
    await settle();
    expect(redactText(`echo ${PASS}`)).toBe(`echo ${PASS}`);
  });

  it('never serialises a passphrase: not the store, a session, a listing or an unlock result', () => {
    const { clock } = manualClock();
    const store = newStore({ clock });
    const s = store.forOwner('w');
    const u = s.unlock('/sites/a', PASS);
    for (const v of [store, s, u, s.list(), store.owners()]) {
      expect(JSON.stringify(v) ?? '').not.toContain(PASS);
      expect(inspect(v, { depth: 10, showHidden: true })).not.toContain(PASS);
    }
  });
});
