import { useEffect, useRef, useState } from 'react';
import { ApiCallError } from '../api/client.js';
import { useUnlock } from '../store/unlock.js';
import { ErrorBanner } from './ErrorBanner.js';
import { formatDuration } from './format.js';

/**
 * The one place the site passphrase is typed (besides creating a site). Shown when an action
 * needs an unlocked site; the passphrase goes once to site.unlock, then the field is cleared.
 */
export function UnlockDialog() {
  const prompt = useUnlock((s) => s.prompt);
  const idle = useUnlock((s) => s.idleTimeoutSeconds);
  const { unlock, cancel } = useUnlock.getState();
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiCallError | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setPassphrase('');
    setError(null);
    if (prompt) input.current?.focus();
  }, [prompt]);
  if (!prompt) return null;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await unlock(prompt.dir, passphrase);
    } catch (e) {
      setError(e instanceof ApiCallError ? e : new ApiCallError({ code: 'INTERNAL', message: String(e) }));
    } finally {
      setPassphrase('');
      setBusy(false);
    }
  };

  return (
    <div className="dialog-backdrop">
      <form
        className="dialog panel"
        role="dialog"
        aria-modal="true"
        aria-labelledby="unlock-title"
        data-testid="unlock-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 id="unlock-title">Unlock the site</h2>
        <p>
          To {prompt.purpose}, unlock <span className="mono" data-testid="unlock-dir">{prompt.dir}</span> with its site passphrase.
        </p>
        <p className="muted">
          It stays unlocked in this window until you lock it, close the window, or leave it unused for {formatDuration(idle)}. The passphrase is kept by the appliance host, never by this page.
        </p>
        <label htmlFor="unlock-passphrase">Site passphrase</label>{' '}
        <input ref={input} id="unlock-passphrase" type="password" autoComplete="off" data-testid="unlock-passphrase" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
        <ErrorBanner error={error} testId="unlock-error" />
        <div className="toolbar">
          <button type="submit" className="primary" data-testid="unlock-submit" disabled={!passphrase || busy}>
            {busy ? 'Unlocking…' : 'Unlock'}
          </button>
          <button type="button" className="secondary" data-testid="unlock-cancel" onClick={cancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
