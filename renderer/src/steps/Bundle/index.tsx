import { useCallback, useEffect, useState } from 'react';
import type { Output } from '../../../../electron/api/contract.js';
import { useTask } from '../../api/use-task.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { formatBytes, formatDuration } from '../../components/format.js';
import { ProgressBar } from '../../components/ProgressBar.js';
import './bundle.css';

type Inspect = Output<'bundle.inspect'>;
type Verify = Output<'bundle.verify'>;
type Signature = Inspect['signature'];

/** Bundle: choose the bundle the engineer carries, see what it holds and who signed it, verify it. */
export default function BundleStep() {
  const list = useTask('bundle.list');
  const inspect = useTask('bundle.inspect');
  const verify = useTask('bundle.verify');
  const [path, setPath] = useState('');
  const [searchDir, setSearchDir] = useState('');
  const [allowUnsigned, setAllowUnsigned] = useState(false);
  const [full, setFull] = useState(false);
  const [verified, setVerified] = useState<Verify | null>(null);

  const runList = list.run;
  useEffect(() => {
    void runList({});
  }, [runList]);

  const choose = useCallback(
    (p: string) => {
      setPath(p);
      setVerified(null);
      if (p.trim()) void inspect.run({ path: p.trim() });
    },
    [inspect],
  );

  const startVerify = async () => {
    setVerified(null);
    const r = await verify.run({ path: path.trim(), ...(full ? { full: true } : {}), ...(allowUnsigned ? { allowUnsigned: true } : {}) });
    if (r) setVerified(r);
    void inspect.run({ path: path.trim() });
  };

  const info = inspect.result;
  const running = verify.status === 'running';
  const progress = verify.progress?.['hashing blobs'];
  const statusOf = (ref: string) => verified?.artifacts.find((a) => a.ref === ref);

  return (
    <section className="screen" data-testid="bundle-screen">
      <h1>Bundle</h1>
      <p className="lead">The bundle on your USB drive. Nothing is installed from a bundle that has not passed verification here.</p>

      <div className="panel">
        <div className="toolbar bundle-choose">
          <label htmlFor="bundle-path">Bundle</label>
          <input
            id="bundle-path"
            type="text"
            className="bundle-path"
            placeholder="/media/usb/hospital-erp-1.4.2.tar (folder, .tar, .parts.json or a part)"
            data-testid="bundle-path"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            onKeyDown={(e) => (e.key === 'Enter' ? choose(path) : undefined)}
          />
          <button type="button" className="secondary" data-testid="bundle-open" disabled={!path.trim() || running} onClick={() => choose(path)}>
            Open
          </button>
        </div>
        <div className="toolbar">
          <label htmlFor="bundle-search">Look in</label>
          <input id="bundle-search" type="text" className="bundle-search" placeholder="/media/usb" data-testid="bundle-search" value={searchDir} onChange={(e) => setSearchDir(e.target.value)} />
          <button type="button" className="secondary" data-testid="bundle-search-run" disabled={list.status === 'running'} onClick={() => void runList(searchDir.trim() ? { dir: searchDir.trim() } : {})}>
            Find bundles
          </button>
        </div>
        <FoundList found={list.result?.bundles ?? []} selected={info?.path ?? path} onChoose={choose} />
        <ErrorBanner error={list.error} testId="bundle-list-error" />
      </div>

      <ErrorBanner error={inspect.error} testId="bundle-inspect-error" />

      {info ? (
        <>
          <div className="bundle-head" data-testid="bundle-info">
            <div>
              <div className="bundle-name">
                {info.name ?? 'unreadable bundle'} <span className="muted">{info.version}</span>
              </div>
              <div className="muted">
                {info.layout === 'dir' ? 'folder' : info.layout === 'tar' ? 'tar file' : 'split into parts'} · {formatBytes(info.contentBytes)} of content · topologies{' '}
                {info.topologies.join(', ') || '–'} · created {info.created ?? '–'}
              </div>
            </div>
            <VerificationPill state={verified ? (verified.ok ? 'verified' : 'failed') : info.verification} />
          </div>
          <SignatureBanner signature={verified?.signature ?? info.signature} acceptedUnsigned={verified?.acceptedUnsigned ?? false} />

          <div className="toolbar">
            <button type="button" className="primary" data-testid="bundle-verify" disabled={running || !path.trim()} onClick={() => void startVerify()}>
              {running ? 'Verifying…' : 'Verify'}
            </button>
            {running ? (
              <button type="button" className="secondary" data-testid="bundle-cancel" onClick={verify.cancel}>
                Cancel
              </button>
            ) : null}
            <label className="check">
              <input type="checkbox" data-testid="bundle-full" checked={full} onChange={(e) => setFull(e.target.checked)} /> Re-hash everything
            </label>
            <label className="check check-danger">
              <input type="checkbox" data-testid="bundle-allow-unsigned" checked={allowUnsigned} onChange={(e) => setAllowUnsigned(e.target.checked)} /> Accept an unsigned or untrusted bundle
            </label>
          </div>
          {running ? <ProgressBar progress={progress} testId="bundle-progress" /> : null}
          <ErrorBanner error={verify.error} testId="bundle-verify-error" />
          {verified ? <Outcome r={verified} /> : null}

          <h2>Contents</h2>
          <table className="data" data-testid="bundle-contents">
            <thead>
              <tr>
                <th>Component</th>
                <th>Kind</th>
                <th>Ref</th>
                <th className="num">Size</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {info.artifacts.map((a) => {
                const s = statusOf(a.ref);
                return (
                  <tr key={a.ref} data-testid={`bundle-artifact-${a.ref}`}>
                    <td>{a.component}</td>
                    <td>{a.kind}</td>
                    <td className="mono">{a.ref}</td>
                    <td className="num">{formatBytes(a.size)}</td>
                    <td>
                      <ArtifactStatus status={s?.status} fallback={info.verification === 'verified' && !verified ? 'ok' : undefined} />
                      {s?.message ? <div className="bundle-why">{s.message}</div> : null}
                    </td>
                  </tr>
                );
              })}
              {info.artifacts.length === 0 ? (
                <tr>
                  <td colSpan={5} className="muted">
                    No artifacts could be read.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
          {info.problems.length && !verified ? <Problems problems={info.problems} testId="bundle-layout-problems" /> : null}
        </>
      ) : null}
    </section>
  );
}

function FoundList({ found, selected, onChoose }: { found: Output<'bundle.list'>['bundles']; selected: string; onChoose: (p: string) => void }) {
  if (!found.length) return <p className="muted" data-testid="bundle-found-none">No bundles found in the shipped bundles folder. Type a path or look in another folder.</p>;
  return (
    <ul className="bundle-found" data-testid="bundle-found">
      {found.map((b) => (
        <li key={b.path}>
          <button type="button" className={`bundle-found-item${b.path === selected ? ' selected' : ''}`} data-testid="bundle-found-item" onClick={() => onChoose(b.path)}>
            <span className="bundle-found-name">{b.name ? `${b.name} ${b.version ?? ''}` : 'unreadable'}</span>
            <span className="mono muted">{b.path}</span>
            <span className="muted">
              {b.layout} · {formatBytes(b.totalBytes)} · {b.signed ? 'signed' : 'unsigned'}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function SignatureBanner({ signature, acceptedUnsigned }: { signature: Signature; acceptedUnsigned: boolean }) {
  if (signature.status === 'trusted') {
    return (
      <div className="banner banner-pass" data-testid="bundle-signature" data-status="trusted">
        Signed by trusted key <strong data-testid="bundle-key-name">{signature.keyName}</strong>
      </div>
    );
  }
  return (
    <div className="banner banner-error bundle-sig-bad" data-testid="bundle-signature" data-status={signature.status}>
      <strong className="bundle-sig-word">{signature.status.toUpperCase()}</strong> {signature.message.replace(/^[A-Z ]+:\s*/, '')}
      {acceptedUnsigned ? <div className="bundle-sig-accepted">Accepted anyway because you allowed unsigned bundles: its origin is not proven.</div> : null}
    </div>
  );
}

function Outcome({ r }: { r: Verify }) {
  if (r.ok) {
    return (
      <div className="banner banner-pass" data-testid="bundle-outcome" data-ok="true">
        <strong>Verified.</strong> {r.artifacts.length} artifacts,{' '}
        {r.cached ? 'unchanged since the last verification (not re-hashed)' : `${formatBytes(r.bytesHashed)} hashed in ${formatDuration(r.seconds)} (${(r.bytesHashed / Math.max(r.seconds, 0.001) / 1e6).toFixed(0)} MB/s)`}.
      </div>
    );
  }
  const bad = r.artifacts.filter((a) => a.status !== 'ok' && a.status !== 'not-checked');
  return (
    <div className="banner banner-error" data-testid="bundle-outcome" data-ok="false">
      <strong>Verification failed: do not use this bundle.</strong>
      <ul>
        {bad.map((a) => (
          <li key={a.ref}>
            {a.kind} <span className="mono">{a.ref}</span>: {a.message}
          </li>
        ))}
        {r.problems.map((p, i) => (
          <li key={i}>{p.message}</li>
        ))}
      </ul>
    </div>
  );
}

function Problems({ problems, testId }: { problems: { message: string }[]; testId: string }) {
  return (
    <div className="banner banner-error" data-testid={testId}>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>{p.message}</li>
        ))}
      </ul>
    </div>
  );
}

function VerificationPill({ state }: { state: 'verified' | 'changed' | 'never' | 'failed' }) {
  const text = { verified: 'Verified', changed: 'Changed since verified', never: 'Not verified', failed: 'Failed' }[state];
  const cls = { verified: 'verdict-pass', changed: 'verdict-fail', never: 'verdict-warn', failed: 'verdict-fail' }[state];
  return (
    <span className={`verdict ${cls} bundle-pill`} data-testid="bundle-verification">
      {text}
    </span>
  );
}

function ArtifactStatus({ status, fallback }: { status?: string; fallback?: string }) {
  const s = status ?? fallback;
  if (!s) return <span className="muted">not verified</span>;
  if (s === 'ok') return <span className="verdict verdict-pass">ok</span>;
  if (s === 'not-checked') return <span className="verdict verdict-skip">not checked</span>;
  return <span className="verdict verdict-fail">{s.replace('-', ' ')}</span>;
}
