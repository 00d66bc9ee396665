import { Verdict } from '../../components/Verdict.js';
import type { Preflight } from './install-api.js';

/** Every preflight check on every host; a failure in red with what to do about it. */
export function PreflightView({ preflight }: { preflight: Preflight }) {
  const failed = preflight.hosts.flatMap((h) => h.checks.filter((c) => c.status === 'fail').map((c) => ({ host: h.host, ...c })));
  return (
    <section className="install-preflight" data-testid="install-preflight" data-ok={preflight.ok ? 'true' : 'false'}>
      <h2>Preflight</h2>
      {preflight.ok ? (
        <div className="banner banner-pass" data-testid="install-preflight-verdict">
          Every host passed the preflight checks: nothing stands in the way of the install.
        </div>
      ) : (
        <div className="banner banner-error" data-testid="install-preflight-verdict">
          <strong>Preflight failed on {new Set(failed.map((f) => f.host)).size} host(s): nothing was changed.</strong> Fix what is listed in red, then review the plan again.
        </div>
      )}
      {preflight.hosts.map((h) => (
        <div key={h.host} className="install-host-block" data-testid={`install-preflight-host-${h.host}`}>
          <h3>{h.host}</h3>
          <table className="data">
            <thead>
              <tr>
                <th>Check</th>
                <th>Verdict</th>
                <th>Found</th>
                <th>What to do</th>
              </tr>
            </thead>
            <tbody>
              {h.checks.map((c) => (
                <tr key={c.id} className={`install-check install-check-${c.status}`} data-testid={`install-check-${h.host}-${c.id}`} data-status={c.status}>
                  <td>{c.title}</td>
                  <td>
                    <Verdict status={c.status} />
                  </td>
                  <td>{c.detail}</td>
                  <td>{c.remediation ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
