import { useCallback, useEffect, useState } from 'react';
import type { Output } from '../../../../electron/api/contract.js';
import { api, newTaskId } from '../../api/client.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { useEvents } from '../../store/events.js';
import './certificates.css';
import { useSite } from '../../store/site.js';
import { Card } from '../../components/Card.js';
import { useBusyGuard } from '../../api/use-busy-guard.js';
import { ensureUnlocked, withUnlock } from '../../store/unlock.js';

type Status = Output<'pki.status'>;
type Listing = Status['certificates'][number];
type IssueResults = Output<'pki.issue'>['results'];
type Exported = Output<'pki.exportCa'>;

/** Days-left colour: red under 30 (what `pki renew` would renew), amber under 60. */
export function daysClass(days: number): 'urgent' | 'soon' | 'ok' {
  return days < 30 ? 'urgent' : days < 60 ? 'soon' : 'ok';
}

/**
 * Certificates: the site CA (algorithm, validity, name constraints), the server certificates
 * with days left, issuing/renewing and exporting the root for hospital IT. Signing needs the
 * site unlocked in this window (the unlock dialog asks); keys never come back.
 */
export default function CertificatesStep() {
  const [dir, setDir] = useState(() => useSite.getState().dir);
  const [status, setStatus] = useState<Status | null>(null);
  const [algorithm, setAlgorithm] = useState<'rsa4096' | 'ecdsa-p256'>('rsa4096');
  const [outDir, setOutDir] = useState('');
  const [issued, setIssued] = useState<IssueResults | null>(null);
  const [exported, setExported] = useState<Exported | null>(null);
  const { busy, error, guard } = useBusyGuard();
  const [task, setTask] = useState<string | null>(null);
  const progress = useEvents((s) => (task ? s.progress[task]?.['signing certificates'] : undefined));


  const open = useCallback(
    (d: string) =>
      guard('open', async () => {
        const s = await api.call('pki.status', { dir: d });
        useSite.getState().setDir(d);
        setStatus(s);
        setOutDir((o) => o || `${d.replace(/\/$/, '')}/ca-export`);
      }),
    [guard],
  );

  // Open the last site once when the screen is first shown; later opens are explicit.
  const [initialDir] = useState(dir);
  useEffect(() => {
    if (initialDir) void open(initialDir);
  }, [initialDir, open]);

  const init = async () => {
    if (!(await ensureUnlocked(dir, 'create the site CA'))) return;
    await guard('init', async () => {
      await api.call('pki.init', { dir, algorithm, force: false });
      setStatus(await api.call('pki.status', { dir }));
    });
  };
  // Issuing signs nothing when every certificate is current: ask to unlock only if the host needs it.
  const issue = () =>
    guard('issue', async () => {
      const r = await withUnlock(dir, 'sign the certificates', () => {
        // A new task id per attempt (the retry after unlocking is a second call).
        const id = newTaskId('pki.issue');
        setTask(id);
        return api.call('pki.issue', { dir }, { task: id });
      });
      setIssued(r.results);
      setStatus(await api.call('pki.status', { dir }));
    });
  const exportCa = () =>
    guard('export', async () => {
      setExported(await api.call('pki.exportCa', { dir, out: outDir }));
    });

  const ca = status?.ca;
  return (
    <section className="screen" data-testid="certificates-screen">
      <h1>Certificates</h1>
      <p className="lead">
        One root CA per site, limited by name constraints to the site&apos;s domain and network segments, and the server certificates the plan needs (web/VIP, PostgreSQL, Redis, Grafana, K3s).
      </p>
      <div className="toolbar">
        <input type="text" aria-label="site folder" data-testid="pki-site-dir" placeholder="/path/to/site" size={48} value={dir} onChange={(e) => setDir(e.target.value)} />
        <button type="button" className="secondary" data-testid="pki-open" disabled={!dir || busy !== null} onClick={() => void open(dir)}>
          {busy === 'open' ? 'Opening…' : 'Open site'}
        </button>
        {status ? <span className="muted">{status.site}</span> : null}
      </div>
      <ErrorBanner error={error} testId="pki-error" />

      {ca && !ca.present ? (
        <div className="banner banner-info" data-testid="pki-no-ca">
          This site has no CA yet. Create it below: it can only sign names under the site domain and addresses in the planned segments.
        </div>
      ) : null}

      {ca && ca.present ? (
        <>
          <div className="cards" data-testid="pki-ca">
            <Card label="Root CA" value={ca.key} sub={`${ca.algorithm} · ${ca.signatureAlgorithm}`} testId="pki-ca-key" />
            <Card label="Expires" value={ca.notAfter.slice(0, 10)} sub={`${ca.daysLeft} days left`} testId="pki-ca-expiry" />
            <Card label="Key protection" value="PBKDF2-SHA256" sub={`${ca.kdfIterations.toLocaleString('en')} iterations · AES-256`} testId="pki-ca-kdf" />
          </div>
          <table className="data" data-testid="pki-constraints">
            <tbody>
              <tr>
                <th>Subject</th>
                <td>{ca.subject}</td>
              </tr>
              <tr>
                <th>May sign DNS names</th>
                <td>
                  <Names dns={ca.permitted.dns.filter((d) => !d.startsWith('.')).map((d) => `${d} and *.${d}`)} ip={[]} />
                </td>
              </tr>
              <tr>
                <th>May sign addresses</th>
                <td>
                  <Names dns={[]} ip={ca.permitted.ip} />
                </td>
              </tr>
              <tr>
                <th>SHA-256 fingerprint</th>
                <td className="mono cert-fingerprint" data-testid="pki-ca-fingerprint">
                  {ca.fingerprintSha256}
                </td>
              </tr>
            </tbody>
          </table>
        </>
      ) : null}

      {status ? (
        <div className="cert-actions">
          <div className="panel">
            <h2>{ca?.present ? 'Issue and renew' : 'Create the site CA'}</h2>
            <p className="muted">Signing uses the CA key: the site must be unlocked in this window (you will be asked).</p>
            {ca && !ca.present ? (
              <>
                <label htmlFor="pki-algorithm">Key algorithm</label>
                <select id="pki-algorithm" data-testid="pki-algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value as typeof algorithm)}>
                  <option value="rsa4096">RSA 4096 (works with old clients)</option>
                  <option value="ecdsa-p256">ECDSA P-256</option>
                </select>
                <div className="toolbar">
                  <button type="button" className="primary" data-testid="pki-init" disabled={busy !== null} onClick={() => void init()}>
                    {busy === 'init' ? 'Creating…' : 'Create CA'}
                  </button>
                </div>
              </>
            ) : (
              <div className="toolbar">
                <button type="button" className="primary" data-testid="pki-issue" disabled={busy !== null} onClick={() => void issue()}>
                  {busy === 'issue' ? (progress ? `Signing ${progress.done}/${progress.total ?? '?'}…` : 'Issuing…') : 'Issue / renew certificates'}
                </button>
              </div>
            )}
            {issued ? (
              <div className="cert-result" data-testid="pki-issue-result">
                {summarize(issued)}
              </div>
            ) : null}
          </div>
          {ca?.present ? (
            <div className="panel">
              <h2>Export the root for hospital IT</h2>
              <label htmlFor="pki-out">Output folder (e.g. a USB stick)</label>
              <input id="pki-out" type="text" data-testid="pki-out-dir" value={outDir} onChange={(e) => setOutDir(e.target.value)} />
              <div className="toolbar">
                <button type="button" className="secondary" data-testid="pki-export" disabled={busy !== null || !outDir} onClick={() => void exportCa()}>
                  {busy === 'export' ? 'Exporting…' : 'Export CA'}
                </button>
              </div>
              {exported ? (
                <div className="cert-result" data-testid="pki-export-result">
                  Wrote <span className="mono">{Object.values(exported.files).map((f) => f.split('/').pop()).join(', ')}</span> to <span className="mono">{exported.outDir}</span>. README.txt explains Windows, macOS, Linux and Firefox.
                </div>
              ) : null}
            </div>
          ) : null}
        </div>
      ) : null}

      {status && status.certificates.length ? (
        <>
          <h2>Server certificates</h2>
          <table className="data" data-testid="pki-certificates">
            <thead>
              <tr>
                <th>Certificate</th>
                <th>Names</th>
                <th>Expires</th>
                <th className="num">Days left</th>
                <th>Serial</th>
                <th>Install on</th>
              </tr>
            </thead>
            <tbody>
              {status.certificates.map((c) => (
                <CertRow key={c.name} c={c} />
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

function summarize(results: IssueResults): string {
  const by = (a: string) => results.filter((r) => r.action === a).map((r) => r.name);
  const parts = [by('issued').length ? `issued ${by('issued').join(', ')}` : '', by('reissued').length ? `renewed ${by('reissued').join(', ')}` : '', by('unchanged').length ? `${by('unchanged').length} unchanged` : ''];
  return parts.filter(Boolean).join('; ') + '.';
}

function CertRow({ c }: { c: Listing }) {
  return (
    <tr data-testid={`pki-cert-${c.name}`}>
      <td>
        <strong>{c.name}</strong>
        <div className="muted">{c.purpose}</div>
        {c.currentCa ? null : <div className="cert-old-ca">signed by a previous CA: issue again</div>}
      </td>
      <td>
        <Names dns={c.dns} ip={c.ip} />
      </td>
      <td className="cert-date">{c.notAfter.slice(0, 10)}</td>
      <td className="num">
        <span className={`cert-days ${daysClass(c.daysLeft)}`} data-testid={`pki-days-${c.name}`}>
          {c.daysLeft}
        </span>
      </td>
      <td className="mono" title={c.serial}>
        {c.serial.slice(0, 12)}…
      </td>
      <td>{c.destinations.map((d) => d.host + (d.installedAt ? '' : ' (planned)')).join(', ') || '–'}</td>
    </tr>
  );
}

function Names({ dns, ip }: { dns: string[]; ip: string[] }) {
  return (
    <span className="cert-names">
      {dns.map((d) => (
        <span key={d} className="cert-name">
          {d}
        </span>
      ))}
      {ip.map((i) => (
        <span key={i} className="cert-name ip">
          {i}
        </span>
      ))}
    </span>
  );
}
