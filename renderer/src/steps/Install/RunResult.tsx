import { formatDuration } from '../../components/format.js';
import type { RunReport } from './install-api.js';

/** A finished run: how it ended, how long it took, and what changed on which host. */
export function RunResult({ run }: { run: RunReport }) {
  const cls = run.state === 'done' ? 'banner-pass' : run.state === 'cancelled' ? 'banner-warn' : 'banner-error';
  const hosts = [...new Set(run.steps.map((s) => s.host))];
  return (
    <section className="install-result" data-testid="install-result" data-state={run.state}>
      <h2>Result</h2>
      <div className={`banner ${cls}`}>
        <strong data-testid="install-result-state">{run.state === 'done' ? 'Installed.' : run.state === 'cancelled' ? 'Cancelled: resume when ready.' : 'Failed: fix the cause, then resume.'}</strong>{' '}
        <span data-testid="install-result-summary">{run.summary}</span> · <span data-testid="install-result-duration">{formatDuration(run.durationMs / 1000)}</span>
      </div>
      {run.rootCause ? (
        <div className="banner banner-error" data-testid="install-root-cause">
          Root cause: <strong>{run.rootCause.host}</strong> step <span className="mono">{run.rootCause.step}</span>: {run.rootCause.error}
        </div>
      ) : null}
      <table className="data" data-testid="install-changed">
        <thead>
          <tr>
            <th>Host</th>
            <th>Changed</th>
            <th>Steps</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((h) => {
            const changed = run.changed[h] ?? [];
            const titles = changed.map((id) => run.steps.find((s) => s.host === h && s.id === id)?.title ?? id);
            return (
              <tr key={h} data-testid={`install-changed-${h}`}>
                <td>{h}</td>
                <td className="num">{changed.length}</td>
                <td>{titles.length ? titles.join(', ') : <span className="muted">nothing (already as planned)</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
