import { ProgressBar } from '../../components/ProgressBar.js';
import type { Lane, LaneStepState } from './lanes.js';

const LABEL: Record<LaneStepState, string> = {
  pending: 'pending',
  running: 'running',
  ok: 'ok',
  changed: 'changed',
  failed: 'failed',
  blocked: 'blocked',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

/** How many log lines a lane shows before "all lines". */
export const LANE_LOG_LINES = 6;

/** One lane per host: its steps with their state, its transfers' progress bars, its latest log lines. */
export function RunLanes({ lanes }: { lanes: Lane[] }) {
  return (
    <div className="install-lanes" data-testid="install-lanes">
      {lanes.map((lane) => (
        <section key={lane.host} className="install-lane panel" data-testid={`install-lane-${lane.host}`}>
          <h3>
            {lane.host}{' '}
            <span className="muted install-lane-counts" data-testid={`install-lane-counts-${lane.host}`}>
              {lane.counts.changed} changed · {lane.counts.ok} ok{lane.counts.failed ? ` · ${lane.counts.failed} failed` : ''}
              {lane.counts.blocked ? ` · ${lane.counts.blocked} blocked` : ''} · {lane.counts.pending} pending
            </span>
          </h3>
          <ol className="install-lane-steps">
            {lane.steps.map((s) => (
              <li key={s.id} className={`lane-step lane-${s.state}`} data-testid={`install-lane-step-${lane.host}-${s.id}`} data-state={s.state} title={s.reason ?? ''}>
                <span className={`lane-dot lane-dot-${s.state}`} aria-hidden="true" />
                <span className="lane-step-title">{s.title}</span>
                <span className="lane-step-state">{LABEL[s.state]}</span>
                {s.error ? <div className="install-step-error">{s.error}</div> : null}
              </li>
            ))}
          </ol>
          {/* Only transfers still under way: a lane stages many artifacts, one label each. */}
          {lane.progress
            .filter((p) => p.total === null || p.done < p.total)
            .slice(-3)
            .map((p) => (
              <ProgressBar key={p.label} progress={p} testId={`install-lane-progress-${lane.host}`} />
            ))}
          <LaneLog lane={lane} />
        </section>
      ))}
    </div>
  );
}

function LaneLog({ lane }: { lane: Lane }) {
  if (!lane.logs.length) return null;
  const last = lane.logs.slice(-LANE_LOG_LINES);
  return (
    <div className="install-lane-log" data-testid={`install-log-${lane.host}`}>
      <pre className="mono">
        {last.map((l, i) => (
          <div key={i} className={`log-${l.stream}`}>
            {l.line}
          </div>
        ))}
      </pre>
      {lane.logs.length > LANE_LOG_LINES ? (
        <details data-testid={`install-log-all-${lane.host}`}>
          <summary>All {lane.logs.length} lines</summary>
          <pre className="mono install-log-full">
            {lane.logs.map((l, i) => (
              <div key={i} className={`log-${l.stream}`}>
                {l.line}
              </div>
            ))}
          </pre>
        </details>
      ) : null}
    </div>
  );
}
