import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Output } from '../../../../electron/api/contract.js';
import { api, ApiCallError } from '../../api/client.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { formatDuration } from '../../components/format.js';
import { ProgressBar } from '../../components/ProgressBar.js';
import { useEvents } from '../../store/events.js';
import { useSite } from '../../store/site.js';
import { ensureUnlocked } from '../../store/unlock.js';
import { type InstallInput, type StatusResult, useInstallTask } from './install-api.js';
import { buildLanes, timeLeftSeconds } from './lanes.js';
import { PlanView } from './PlanView.js';
import { PreflightView } from './PreflightView.js';
import { RunLanes } from './RunLanes.js';
import { RunResult } from './RunResult.js';
import './install.css';

type Found = Output<'bundle.list'>['bundles'][number];

/**
 * Install: confirm the bundle, review the plan (preflight on every host, then every step with
 * what it would change: nothing is changed), install with one lane per host, cancel and resume.
 * Opening the screen shows the last run and who holds the install lock, if anyone.
 */
export default function InstallStep() {
  const sharedDir = useSite((s) => s.dir);
  const [dir, setDir] = useState(sharedDir);
  const [remembered, setRemembered] = useState<string | null>(null);
  const [bundle, setBundle] = useState('');
  const [found, setFound] = useState<Found[]>([]);
  const [status, setStatus] = useState<StatusResult | null>(null);
  const [statusError, setStatusError] = useState<ApiCallError | null>(null);
  const plan = useInstallTask('install.plan');
  const run = useInstallTask('install.run');
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());

  const load = useCallback(async (d: string) => {
    if (!d) return;
    setStatusError(null);
    try {
      const site = await api.call('site.open', { dir: d });
      setRemembered(site.bundle?.path ?? null);
      setBundle((b) => b || site.bundle?.path || '');
      useSite.getState().setSite(site);
    } catch (e) {
      setStatusError(e instanceof ApiCallError ? e : new ApiCallError({ code: 'INTERNAL', message: String(e) }));
      return;
    }
    try {
      setStatus((await api.transport.call('install.status' as never, { task: `install.status#${Date.now().toString(36)}`, input: { dir: d } }).then(unwrap)) as StatusResult);
    } catch (e) {
      setStatusError(e instanceof ApiCallError ? e : new ApiCallError({ code: 'INTERNAL', message: String(e) }));
    }
  }, []);

  useEffect(() => {
    void load(sharedDir);
    api
      .call('bundle.list', {})
      .then((r) => setFound(r.bundles))
      .catch(() => setFound([]));
  }, [sharedDir, load]);

  const running = run.status === 'running';
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running]);

  const input = (): InstallInput<'install.run'> => ({ dir, ...(bundle && bundle !== remembered ? { bundle } : {}) });
  const review = async () => {
    if (!(await ensureUnlocked(dir, 'review the install plan'))) return;
    await plan.run(input());
  };
  const install = async () => {
    if (!(await ensureUnlocked(dir, 'install the site'))) return;
    setStartedAt(Date.now());
    setNow(Date.now());
    await run.run(input());
    void load(dir);
  };

  // Events of the run (and of the preview, while it runs) from the one events store.
  const task = run.task;
  const stepEvents = useEvents((s) => (task ? s.steps[task] : undefined));
  const progress = useEvents((s) => (task ? s.progress[task] : undefined));
  const allLogs = useEvents((s) => s.logs);
  const planProgress = useEvents((s) => (plan.task ? s.progress[plan.task]?.['install'] : undefined));
  const logs = useMemo(() => (task ? allLogs.filter((l) => l.task === task) : []), [allLogs, task]);
  const lanes = useMemo(
    () => buildLanes({ planned: plan.result?.plan?.steps, events: stepEvents, logs, progress, hosts: plan.result?.preflight.hosts.map((h) => h.host) }),
    [plan.result, stepEvents, logs, progress],
  );
  const overall = progress?.['install'];
  const left = overall && startedAt ? timeLeftSeconds(overall.done, overall.total, now - startedAt) : null;

  const preview = plan.result;
  const result = run.result;
  const last = status?.lastRun ?? null;
  const canResume = !running && (run.status === 'failed' || run.status === 'cancelled' || (last !== null && !last.dryRun && ['failed', 'cancelled', 'interrupted'].includes(last.state)));
  const canInstall = !running && plan.status !== 'running' && !!preview && preview.preflight.ok && !status?.lock;

  return (
    <section className="screen" data-testid="install-screen">
      <h1>Install</h1>
      <p className="lead">From the verified bundle to a healthy stack, over SSH. Review the plan first: it checks every host and lists every step and command, and changes nothing.</p>

      <div className="panel install-form">
        <div className="install-grid">
          <label htmlFor="install-dir">Site folder</label>
          <div className="toolbar install-inline">
            <input id="install-dir" type="text" data-testid="install-dir" size={56} value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/media/usb/st-example" />
            <button type="button" className="secondary" data-testid="install-open" disabled={!dir} onClick={() => void load(dir)}>
              Open
            </button>
          </div>
          <label htmlFor="install-bundle">Bundle</label>
          <div>
            <input id="install-bundle" type="text" list="install-bundles" data-testid="install-bundle" size={56} value={bundle} onChange={(e) => setBundle(e.target.value)} placeholder="the bundle folder or .tar" />
            <datalist id="install-bundles">
              {found.map((b) => (
                <option key={b.path} value={b.path}>{`${b.name} ${b.version}`}</option>
              ))}
            </datalist>
            <div className="muted" data-testid="install-bundle-note">
              {remembered ? (bundle === remembered ? 'The bundle this site remembers (site.yaml).' : `This site remembers ${remembered}; installing another bundle records it instead.`) : 'The site remembers no bundle yet: choose one (verified on the Bundle step).'}
            </div>
          </div>
        </div>
        <div className="toolbar">
          <button type="button" className="secondary" data-testid="install-review" disabled={!dir || (!bundle && !remembered) || plan.status === 'running' || running} onClick={() => void review()}>
            {plan.status === 'running' ? 'Checking the hosts…' : 'Review plan'}
          </button>
          {canResume ? null : (
            <button type="button" className="primary" data-testid="install-run" disabled={!canInstall} onClick={() => void install()}>
              Install
            </button>
          )}
          {running ? (
            <button type="button" className="secondary install-danger" data-testid="install-cancel" onClick={run.cancel}>
              Cancel
            </button>
          ) : null}
          {canResume ? (
            <button type="button" className="primary" data-testid="install-resume" onClick={() => void install()}>
              Resume
            </button>
          ) : null}
          {!preview && !running && !canResume ? <span className="muted">Review the plan before installing.</span> : null}
          {canResume ? <span className="muted">Resume runs the install again: finished steps are checked, not repeated.</span> : null}
        </div>
      </div>

      <StatusPanel status={status} error={statusError} />
      <ErrorBanner error={plan.error} testId="install-plan-error" />
      <ErrorBanner error={run.error} testId="install-run-error" />
      {plan.status === 'running' ? <ProgressBar progress={planProgress} testId="install-plan-progress" /> : null}

      {task && (running || result || run.status !== 'idle') ? (
        <section className="install-run" data-testid="install-running" data-status={run.status}>
          <h2>{running ? 'Installing' : 'Last run in this window'}</h2>
          <ProgressBar progress={overall ? { ...overall, label: 'Steps on every host' } : undefined} testId="install-overall" />
          {running ? (
            <div className="muted" data-testid="install-time-left">
              {startedAt ? `${formatDuration((now - startedAt) / 1000)} elapsed` : ''}
              {left !== null ? ` · about ${formatDuration(left)} left` : ' · estimating time left…'}
            </div>
          ) : null}
          <RunLanes lanes={lanes} />
        </section>
      ) : null}

      {result?.run ? <RunResult run={result.run} /> : null}
      {result && !result.preflight.ok ? <PreflightView preflight={result.preflight} /> : null}
      {preview && !result ? (
        <>
          <PreflightView preflight={preview.preflight} />
          {preview.plan ? <PlanView plan={preview.plan} /> : null}
        </>
      ) : null}
    </section>
  );
}

function unwrap(r: { ok: true; value: unknown } | { ok: false; error: ConstructorParameters<typeof ApiCallError>[0] }): unknown {
  if (!r.ok) throw new ApiCallError(r.error);
  return r.value;
}

/** The journal's last run and the install lock's holder, read when the screen opens. */
function StatusPanel({ status, error }: { status: StatusResult | null; error: ApiCallError | null }) {
  if (error?.code === 'UNKNOWN_METHOD') {
    return (
      <div className="banner banner-warn" data-testid="install-not-wired">
        This build has no install engine wired in yet ({error.message}).
      </div>
    );
  }
  if (error) return <ErrorBanner error={error} testId="install-status-error" />;
  if (!status) return null;
  const last = status.lastRun;
  return (
    <div className="install-status" data-testid="install-status">
      {status.lock ? (
        <div className="banner banner-warn" data-testid="install-lock">
          <strong>
            An install holds this site: {status.lock.who} (pid {status.lock.pid}, {status.lock.operation}) since {status.lock.started}.
          </strong>{' '}
          Last sign of life {status.lock.heartbeat}. Wait for it to finish; a second install at once is refused.
        </div>
      ) : null}
      {last ? (
        <div className={`panel install-last install-last-${last.state}`} data-testid="install-last-run" data-state={last.state}>
          <strong>Last {last.dryRun ? 'plan review' : 'install'}:</strong> {last.state} · started {last.startedAt}
          {last.durationMs !== undefined ? ` · took ${formatDuration(last.durationMs / 1000)}` : ''}
          {last.summary ? <> · {last.summary}</> : null}
          {last.changed && Object.keys(last.changed).length ? (
            <ul className="install-last-changed">
              {Object.entries(last.changed).map(([h, ids]) => (
                <li key={h} data-testid={`install-last-changed-${h}`}>
                  {h}: {ids.length ? ids.join(', ') : 'nothing'}
                </li>
              ))}
            </ul>
          ) : null}
          {['failed', 'cancelled', 'interrupted'].includes(last.state) && !last.dryRun ? <div className="muted">Resume continues where it stopped: finished steps are not repeated.</div> : null}
        </div>
      ) : (
        <div className="muted" data-testid="install-last-run" data-state="none">
          This site has not been installed yet.
        </div>
      )}
    </div>
  );
}
