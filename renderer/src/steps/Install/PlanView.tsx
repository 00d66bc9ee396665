import type { RunReport } from './install-api.js';
import { byPhase } from './lanes.js';

/**
 * The plan preview (a dry run): per host, the steps by phase, which would change something and
 * why (the probe's line), and the commands each would run in a collapsible list, secrets masked.
 */
export function PlanView({ plan }: { plan: RunReport }) {
  const hosts = [...new Set(plan.steps.map((s) => s.host))];
  const changing = plan.steps.filter((s) => s.action === 'apply').length;
  return (
    <section className="install-plan" data-testid="install-plan">
      <h2>Plan</h2>
      <p data-testid="install-plan-summary">
        <strong>{plan.summary}</strong>{' '}
        <span className="muted">
          {changing} of {plan.steps.length} steps would change something; nothing has been changed yet.
        </span>
      </p>
      {hosts.map((host) => {
        const steps = plan.steps.filter((s) => s.host === host);
        return (
          <div key={host} className="install-host-block" data-testid={`install-plan-host-${host}`}>
            <h3>
              {host} <span className="muted">· {(plan.changed[host] ?? []).length} would change</span>
            </h3>
            {byPhase(steps).map(([phase, list]) => (
              <div key={phase} className="install-phase" data-testid={`install-plan-phase-${host}-${phase}`}>
                <div className="install-phase-name">{phase}</div>
                <ul className="install-steps">
                  {list.map((s) => (
                    <li key={s.id} className={`install-step action-${s.action ?? 'none'}`} data-testid={`install-plan-step-${host}-${s.id}`} data-action={s.action ?? 'none'}>
                      <span className={`install-badge ${s.action === 'apply' ? 'badge-change' : 'badge-done'}`}>{s.action === 'apply' ? 'will change' : 'already done'}</span>{' '}
                      <strong>{s.title}</strong> <span className="muted">— {s.reason}</span>
                      {s.error ? <div className="install-step-error">{s.error}</div> : null}
                      {s.commands?.length ? (
                        <details className="install-commands" data-testid={`install-plan-commands-${host}-${s.id}`}>
                          <summary>{s.commands.length} command(s)</summary>
                          <pre className="mono">{s.commands.join('\n')}</pre>
                        </details>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        );
      })}
    </section>
  );
}
