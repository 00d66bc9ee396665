import { useEffect } from 'react';
import { useTask } from '../../api/use-task.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';

/**
 * Shows the host key a host presents (site.hostKey.scan) next to the pin, and pins it only on
 * an explicit click (site.hostKey.accept re-checks that the host still presents exactly it).
 */
export function HostKeyDialog({ dir, host, onClose, onPinned }: { dir: string; host: string; onClose: () => void; onPinned: () => void }) {
  const scan = useTask('site.hostKey.scan');
  const accept = useTask('site.hostKey.accept');
  const { run: runScan } = scan;
  useEffect(() => {
    void runScan({ dir, host });
  }, [runScan, dir, host]);
  const s = scan.result;
  const changed = !!s && !!s.pinned && !s.matches;

  const pin = async () => {
    if (!s) return;
    const r = await accept.run({ dir, host, fingerprint: s.fingerprint, ...(changed ? { replace: true } : {}) });
    if (r) onPinned();
  };

  return (
    <div className="site-dialog-backdrop">
      <div className="site-dialog panel" role="dialog" aria-modal="true" aria-labelledby="hk-title" data-testid="hostkey-dialog">
        <h2 id="hk-title">Host key of {host}</h2>
        {scan.status === 'running' ? <p className="muted">Connecting to read the host key…</p> : null}
        <ErrorBanner error={scan.error} testId="hostkey-error" />
        {s ? (
          <>
            <p>
              {host} presents a <strong>{s.keyType}</strong> key with the fingerprint
            </p>
            <p className="site-fingerprint mono" data-testid="hostkey-fingerprint">
              {s.fingerprint}
            </p>
            {s.matches ? (
              <div className="banner banner-pass" data-testid="hostkey-state" data-state="pinned">
                This is the pinned key.
              </div>
            ) : changed ? (
              <div className="banner banner-error" data-testid="hostkey-state" data-state="changed">
                <strong>HOST KEY CHANGED.</strong> The pinned key is <span className="mono">{s.pinned}</span>. Someone may be intercepting the connection, or the
                server was reinstalled. Replace the pin only after checking the server&apos;s console.
              </div>
            ) : (
              <div className="banner banner-info" data-testid="hostkey-state" data-state="unpinned">
                Not pinned yet. On the server&apos;s console run <span className="mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</span> and compare the
                fingerprint character by character before accepting.
              </div>
            )}
          </>
        ) : null}
        <ErrorBanner error={accept.error} testId="hostkey-accept-error" />
        <div className="toolbar">
          {s && !s.matches ? (
            <button type="button" className={changed ? 'secondary site-danger' : 'primary'} data-testid="hostkey-accept" disabled={accept.status === 'running'} onClick={() => void pin()}>
              {changed ? 'Replace the pin with this key' : 'It matches the console: pin this key'}
            </button>
          ) : null}
          <button type="button" className="secondary" data-testid="hostkey-close" onClick={onClose}>
            {s?.matches ? 'Close' : 'Cancel'}
          </button>
        </div>
      </div>
    </div>
  );
}
