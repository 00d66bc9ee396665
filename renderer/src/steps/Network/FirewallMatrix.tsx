import { useEffect, useState } from 'react';
import type { Plan, Problem } from './plan-types.js';
import { SEGMENTS, SEGMENT_TITLE, parsePortsText, problemsUnder } from './plan-types.js';

const SOURCES = ['hospital', ...SEGMENTS];

/** The matrix as a from x to grid (what is open), then the rules that make it, editable. */
export function FirewallMatrix({ plan, problems, update }: { plan: Plan; problems: Problem[]; update: (fn: (p: Plan) => void) => void }) {
  return (
    <>
      <table className="data net-matrix" data-testid="firewall-matrix">
        <thead>
          <tr>
            <th>from ↓ / to →</th>
            {SEGMENTS.map((s) => (
              <th key={s}>{SEGMENT_TITLE[s]}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {SOURCES.map((from) => (
            <tr key={from}>
              <th>{SEGMENT_TITLE[from]}</th>
              {SEGMENTS.map((to) => {
                const rules = plan.firewall.filter((r) => r.from === from && r.to === to);
                const refused = from === 'dmz' && to === 'data';
                return (
                  <td key={to} data-testid={`matrix-${from}-${to}`} className={refused ? (rules.length ? 'net-cell-refused' : 'net-cell-never') : rules.length ? 'net-cell-open' : 'net-cell-denied'}>
                    {rules.length ? rules.map((r, i) => <div key={i}>{`${r.protocol} ${r.ports.join(', ')}`}</div>) : refused ? 'never' : 'denied'}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>

      <table className="data net-rules" data-testid="firewall-rules">
        <thead>
          <tr>
            <th>From</th>
            <th>To</th>
            <th>Protocol</th>
            <th>Ports</th>
            <th>Purpose</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {plan.firewall.map((r, i) => {
            const rowProblems = problemsUnder(problems, `network.firewall.${i}`);
            return (
              <tr key={i} data-testid={`rule-${i}`}>
                <td>
                  <select aria-label="from" value={r.from} onChange={(e) => update((p) => void (p.firewall[i]!.from = e.target.value))}>
                    {SOURCES.map((s) => (
                      <option key={s} value={s}>
                        {SEGMENT_TITLE[s]}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <select aria-label="to" value={r.to} onChange={(e) => update((p) => void (p.firewall[i]!.to = e.target.value))}>
                    {SEGMENTS.map((s) => (
                      <option key={s} value={s}>
                        {SEGMENT_TITLE[s]}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <select aria-label="protocol" value={r.protocol} onChange={(e) => update((p) => void (p.firewall[i]!.protocol = e.target.value as 'tcp' | 'udp'))}>
                    <option value="tcp">tcp</option>
                    <option value="udp">udp</option>
                  </select>
                </td>
                <td>
                  <PortsInput
                    testId={`rule-${i}-ports`}
                    invalid={rowProblems.some((x) => x.severity === 'error')}
                    ports={r.ports}
                    onChange={(ports) => update((p) => void (p.firewall[i]!.ports = ports))}
                  />
                </td>
                <td>
                  <input type="text" aria-label="purpose" value={r.purpose} onChange={(e) => update((p) => void (p.firewall[i]!.purpose = e.target.value))} />
                  {rowProblems.map((x, j) => (
                    <div key={j} className={x.severity === 'error' ? 'field-error' : 'field-warning'} data-testid={`problem-network.firewall.${i}`}>
                      {x.message}
                    </div>
                  ))}
                </td>
                <td>
                  <button type="button" className="secondary" onClick={() => update((p) => void p.firewall.splice(i, 1))}>
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="toolbar">
        <button type="button" className="secondary" data-testid="rule-add" onClick={() => update((p) => void p.firewall.push({ from: 'mgmt', to: 'app', protocol: 'tcp', ports: [22], purpose: '' }))}>
          Add rule
        </button>
      </div>
    </>
  );
}

/** Ports as typed ("80, 443, 2379-2380"); committed on every edit, re-synced when the rule changes elsewhere. */
function PortsInput({ ports, onChange, invalid, testId }: { ports: (number | string)[]; onChange: (p: (number | string)[]) => void; invalid: boolean; testId: string }) {
  const joined = ports.join(', ');
  const [text, setText] = useState(joined);
  useEffect(() => {
    if (parsePortsText(text).join(', ') !== joined) setText(joined);
  }, [joined]);
  return (
    <input
      type="text"
      aria-label="ports"
      data-testid={testId}
      className={invalid ? 'invalid' : undefined}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const parsed = parsePortsText(e.target.value);
        if (parsed.length > 0) onChange(parsed);
      }}
    />
  );
}
