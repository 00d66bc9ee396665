import { useEffect, useState } from 'react';
import { sameDir, useUnlock, watchCalls } from '../store/unlock.js';
import { useSite } from '../store/site.js';
import { formatDuration } from './format.js';

/**
 * Whether this window holds the current site unlocked, the time left before it locks itself,
 * and "Lock now". Shown on every screen, so nobody leaves a laptop with a site open unknowingly.
 */
export function LockIndicator() {
  const unlocked = useUnlock((s) => s.unlocked);
  const dir = useSite((s) => s.dir);
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void useUnlock.getState().refresh();
    return watchCalls();
  }, []);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  const live = unlocked.filter((u) => Date.parse(u.expiresAt) > now);
  // A site whose time ran out locks itself in the host; re-read so the indicator says so too.
  useEffect(() => {
    if (live.length < unlocked.length) void useUnlock.getState().refresh();
  }, [live.length, unlocked.length]);

  const current = dir ? live.find((u) => sameDir(u.dir, dir)) : undefined;
  const shown = current ?? live[0];
  const lockNow = async () => {
    setBusy(true);
    try {
      await useUnlock.getState().lock();
    } finally {
      setBusy(false);
    }
  };

  if (!shown) {
    return (
      <div className="lock-indicator locked" data-testid="lock-indicator" data-state="locked">
        <Padlock open={false} />
        <span>{dir ? 'Site locked' : 'No site unlocked'}</span>
        {dir ? (
          <button type="button" className="secondary lock-button" data-testid="unlock-open" onClick={() => void useUnlock.getState().ask(dir, 'work on this site')}>
            Unlock…
          </button>
        ) : null}
      </div>
    );
  }
  const left = Math.max(0, (Date.parse(shown.expiresAt) - now) / 1000);
  const others = live.length - 1;
  return (
    <div className="lock-indicator unlocked" data-testid="lock-indicator" data-state="unlocked">
      <Padlock open />
      <span>
        Unlocked <span className="mono" title={shown.dir}>{shown.dir.split('/').filter(Boolean).pop()}</span>
        {others > 0 ? ` and ${others} more` : ''} · locks in{' '}
        <span data-testid="lock-time-left">{formatDuration(left)}</span> if unused
      </span>
      <button type="button" className="secondary lock-button" data-testid="lock-now" disabled={busy} onClick={() => void lockNow()}>
        Lock now
      </button>
      {dir && !current ? <span className="muted">(the current site is locked)</span> : null}
    </div>
  );
}

/** A padlock drawn inline (no emoji font on a bare Linux laptop). */
function Padlock({ open }: { open: boolean }) {
  return (
    <svg className="lock-icon" width="14" height="16" viewBox="0 0 14 16" aria-hidden="true">
      <path d={open ? 'M4 7V4.5a3 3 0 0 1 6 0' : 'M4 7V4.5a3 3 0 0 1 6 0V7'} fill="none" stroke="currentColor" strokeWidth="1.6" />
      <rect x="1.5" y="7" width="11" height="8" rx="1.5" fill="currentColor" />
    </svg>
  );
}
