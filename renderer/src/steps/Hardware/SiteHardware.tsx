import { useEffect, useState } from 'react';
import type { Output } from '../../../../electron/api/contract.js';
import { useTask } from '../../api/use-task.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { ProgressBar } from '../../components/ProgressBar.js';
import { Verdict } from '../../components/Verdict.js';
import { useEvents } from '../../store/events.js';
import { ensureUnlocked } from '../../store/unlock.js';
import './site-hardware.css';

type SiteSizing = Output<'hardware.site'>;
type Check = SiteSizing['cluster'][number];

/**
 * The site's servers probed over SSH and judged against the sizing tier: the overall verdict
 * banner, the profile (loudly when it is not the production sizing), one table per host
 * (requirement, measured, required, verdict, remediation) and the cluster checks.
 * Mount it in the Hardware step with the open site's folder: <SiteHardware siteDir={dir} />.
 */
export default function SiteHardware({ siteDir: initialDir = '' }: { siteDir?: string }) {
  const [dir, setDir] = useState(initialDir);
  const [profile, setProfile] = useState('');
  const profiles = useTask('hardware.profiles');
  const probe = useTask('hardware.site');
  const { run: loadProfiles } = profiles;
  useEffect(() => {
    void loadProfiles({});
  }, [loadProfiles]);
  useEffect(() => setDir(initialDir), [initialDir]);

  const steps = useEvents((s) => (probe.task ? s.steps[probe.task] : undefined));
  const progress = useEvents((s) => (probe.task ? s.progress[probe.task]?.['hardware probe'] : undefined));
  const s = probe.result;
  const running = probe.status === 'running';

  const start = async () => {
    // The SSH credentials are in secrets.enc: the site must be unlocked in this window.
    if (!(await ensureUnlocked(dir, 'probe the servers'))) return;
    await probe.run({ dir, ...(profile ? { profile } : {}) });
  };

  return (
    <div className="site-hardware" data-testid="site-hardware">
      <h2>Site servers</h2>
      <div className="panel site-hardware-form">
        <label htmlFor="sh-dir">Site folder</label>
        <input id="sh-dir" data-testid="sh-dir" value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/media/usb/st-example" />
        <label htmlFor="sh-profile">Sizing profile</label>
        <select id="sh-profile" data-testid="sh-profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
          <option value="">Production tier of the site topology</option>
          {profiles.result?.profiles.map((p) => (
            <option key={p.name} value={p.name}>
              {p.title}
              {p.production ? '' : ' — not production'}
            </option>
          ))}
        </select>
        <div className="toolbar">
          <button type="button" className="primary" data-testid="sh-probe" disabled={!dir || running} onClick={() => void start()}>
            {running ? 'Probing…' : 'Probe servers'}
          </button>
          {running ? (
            <button type="button" className="secondary" data-testid="sh-cancel" onClick={probe.cancel}>
              Cancel
            </button>
          ) : null}
        </div>
      </div>

      <ErrorBanner error={probe.error} testId="sh-error" />
      {running ? (
        <>
          <ProgressBar progress={progress} testId="sh-progress" />
          <ul className="sh-steps" data-testid="sh-steps">
            {Object.values(steps ?? {}).map((st) => (
              <li key={st.step}>
                {st.host}: {st.state}
                {st.error ? ` — ${st.error}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {s ? <SizingResult sizing={s} /> : null}
    </div>
  );
}

function SizingResult({ sizing: s }: { sizing: SiteSizing }) {
  const word = { pass: 'fit for', warn: 'usable, with warnings, for', fail: 'NOT fit for' }[s.verdict];
  return (
    <div data-testid="sh-result">
      {s.profile.banner ? (
        <div className="banner banner-warn sh-profile-banner" data-testid="sh-profile-banner">
          <strong>{s.profile.banner}</strong>
        </div>
      ) : null}
      <div className={`banner banner-${s.verdict} sh-verdict`} data-testid="sh-verdict" data-verdict={s.verdict}>
        <Verdict status={s.verdict} /> <strong>The servers are {word} {s.profile.title}.</strong>
        <span className="muted"> profile {s.profile.name} · topology {s.topology}</span>
      </div>

      {s.hosts.map((h) => (
        <section key={h.host} className="sh-host" data-testid={`sh-host-${h.host}`}>
          <h3>
            {h.host} <Verdict status={h.verdict} testId={`sh-host-verdict-${h.host}`} />
            {h.report ? (
              <span className="muted sh-host-sub">
                {h.report.cpu.model} · {h.report.os.distro}
              </span>
            ) : null}
          </h3>
          <CheckTable checks={h.checks} testId={`sh-checks-${h.host}`} />
          {h.report?.warnings.length ? (
            <details className="sh-warnings" data-testid={`sh-warnings-${h.host}`}>
              <summary>Not measured on {h.host} ({h.report.warnings.length})</summary>
              <ul>
                {h.report.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </details>
          ) : null}
        </section>
      ))}

      <section className="sh-host" data-testid="sh-cluster">
        <h3>Cluster</h3>
        <CheckTable checks={s.cluster} testId="sh-checks-cluster" />
      </section>
      {s.notes.map((n) => (
        <div key={n} className="banner banner-info" data-testid="sh-note">
          {n}
        </div>
      ))}
    </div>
  );
}

function CheckTable({ checks, testId }: { checks: Check[]; testId: string }) {
  return (
    <table className="data sh-checks" data-testid={testId}>
      <thead>
        <tr>
          <th>Requirement</th>
          <th>Measured</th>
          <th>Required</th>
          <th>Verdict</th>
          <th>What to do</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((c) => (
          <tr key={c.id} className={`sh-row sh-row-${c.status}`} data-testid={`sh-check-${c.id}`} data-status={c.status}>
            <td>{c.title}</td>
            <td className="mono">{c.measured}</td>
            <td>{c.required}</td>
            <td>
              <Verdict status={c.status} />
            </td>
            <td>{c.remediation ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
