import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { Field } from './Field.js';
import { FirewallMatrix } from './FirewallMatrix.js';
import type { Plan, Problem, SiteHosts, Topology } from './plan-types.js';
import { SEGMENTS, SEGMENT_TITLE, problemsAt } from './plan-types.js';
import { TopologyDiagram } from './TopologyDiagram.js';
import './network.css';
import { useSite } from '../../store/site.js';
import { useBusyGuard } from '../../api/use-busy-guard.js';

type Preset = { name: 'onprem-guide' | 'infra-overview'; title: string; description: string };

/**
 * Network: choose a preset, edit segments, addresses, DNS and the firewall matrix with inline
 * validation (the engine's validatePlan, run on every change), see the topology, save into
 * site.yaml and render the configuration files.
 */
export default function NetworkStep() {
  const [dir, setDir] = useState(() => useSite.getState().dir);
  const [site, setSite] = useState<{ topology: Topology; hosts: SiteHosts } | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [preset, setPreset] = useState<Preset['name']>('onprem-guide');
  const [dirty, setDirty] = useState(false);
  const { busy, error, guard } = useBusyGuard();
  const [outDir, setOutDir] = useState('');
  const [rendered, setRendered] = useState<string[] | null>(null);
  const validation = useRef(0);


  useEffect(() => {
    void api.call('network.presets', {}).then((r) => setPresets(r.presets), () => undefined);
  }, []);

  const open = useCallback(
    (d: string) =>
      guard('open', async () => {
        const r = await api.call('network.load', { dir: d });
        useSite.getState().setDir(d);
        setSite({ topology: r.topology, hosts: r.hosts });
        setPlan(r.plan);
        setProblems(r.problems);
        setDirty(false);
        setRendered(null);
        if (!outDir) setOutDir(`${d.replace(/\/$/, '')}/network-out`);
      }),
    [guard, outDir],
  );

  // Open the site this window works on once when the screen is first shown; later opens are explicit.
  const [initialDir] = useState(dir);
  useEffect(() => {
    if (initialDir) void open(initialDir);
    // Only on mount: `open` changes identity with outDir, and re-opening would drop edits.
  }, [initialDir]);

  // Inline validation: the engine's validatePlan on every change (newest answer wins).
  useEffect(() => {
    if (!plan || !site || !dirty) return;
    const seq = ++validation.current;
    const t = setTimeout(() => {
      void api.call('network.validate', { plan, topology: site.topology, hosts: site.hosts }).then(
        (r) => {
          if (seq === validation.current) setProblems(r.problems);
        },
        () => undefined,
      );
    }, 120);
    return () => clearTimeout(t);
  }, [plan, site, dirty]);

  const update = useCallback((fn: (p: Plan) => void) => {
    setPlan((prev) => {
      if (!prev) return prev;
      const next = structuredClone(prev);
      fn(next);
      return next;
    });
    setDirty(true);
  }, []);

  const applyPreset = () =>
    guard('preset', async () => {
      const r = await api.call('network.plan', { dir, preset });
      setPlan(r.plan);
      setProblems(r.problems);
      setDirty(false);
    });
  const save = () =>
    guard('save', async () => {
      if (!plan) return;
      const r = await api.call('network.save', { dir, plan });
      setProblems(r.problems);
      setDirty(false);
    });
  const render = () =>
    guard('render', async () => {
      const r = await api.call('network.render', { dir, out: outDir });
      setRendered(r.files.map((f) => f.path));
    });

  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  const hostNames = plan ? [...new Set([...(site?.hosts.map((h) => h.name) ?? []), ...Object.keys(plan.hosts)])] : [];

  return (
    <section className="screen net-screen" data-testid="network-screen">
      <h1>Network</h1>
      <p className="lead">Segments for the stack (DMZ, App, Data, Mgmt), addresses, internal DNS and the firewall matrix. Everything not allowed is denied; the DMZ never reaches Data.</p>

      <div className="toolbar">
        <input type="text" aria-label="site folder" data-testid="network-site-dir" placeholder="/path/to/site" size={48} value={dir} onChange={(e) => setDir(e.target.value)} />
        <button type="button" className="secondary" data-testid="network-open" disabled={!dir || busy !== null} onClick={() => void open(dir)}>
          Open site
        </button>
        {site ? <span className="muted">{`topology ${site.topology} · ${site.hosts.length} host(s)`}</span> : null}
      </div>
      <ErrorBanner error={error} />

      {site ? (
        <div className="panel">
          <div className="toolbar">
            <label htmlFor="net-preset">Start from</label>
            <select id="net-preset" data-testid="network-preset" value={preset} onChange={(e) => setPreset(e.target.value as Preset['name'])}>
              {presets.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.title}
                </option>
              ))}
            </select>
            <button type="button" className={plan ? 'secondary' : 'primary'} data-testid="network-apply-preset" disabled={busy !== null} onClick={() => void applyPreset()}>
              {plan ? 'Replace plan with preset' : 'Create plan'}
            </button>
            <span className="muted">{presets.find((p) => p.name === preset)?.description}</span>
          </div>
        </div>
      ) : null}

      {plan && site ? (
        <>
          <div className={`banner ${errors.length ? 'banner-error' : warnings.length ? 'banner-warn' : 'banner-info'}`} data-testid="network-summary">
            {errors.length ? `${errors.length} error(s) to fix before the files can be rendered.` : warnings.length ? `No errors; ${warnings.length} warning(s).` : 'The plan has no problems.'}
            {dirty ? ' Unsaved changes.' : ''}
          </div>

          <h2>Topology</h2>
          <TopologyDiagram plan={plan} />

          <h2>Segments</h2>
          <table className="data" data-testid="segments-table">
            <thead>
              <tr>
                <th>Segment</th>
                <th>Network (CIDR)</th>
                <th>Gateway</th>
                <th>VLAN</th>
                <th>Purpose</th>
              </tr>
            </thead>
            <tbody>
              {SEGMENTS.map((s) => (
                <tr key={s} data-testid={`segment-${s}`}>
                  <th>{SEGMENT_TITLE[s]}</th>
                  <td>
                    <Field label={`${s} CIDR`} path={`network.segments.${s}.cidr`} problems={problems} value={plan.segments[s].cidr} width={18} onChange={(v) => update((p) => void (p.segments[s].cidr = v))} />
                  </td>
                  <td>
                    <Field label={`${s} gateway`} path={`network.segments.${s}.gateway`} problems={problems} value={plan.segments[s].gateway} width={15} onChange={(v) => update((p) => void (p.segments[s].gateway = v))} />
                  </td>
                  <td>
                    <VlanInput segment={s} value={plan.segments[s].vlan} problems={problems} onChange={(v) => update((p) => (v === undefined ? delete p.segments[s].vlan : void (p.segments[s].vlan = v)))} />
                  </td>
                  <td>
                    <input type="text" aria-label={`${s} purpose`} value={plan.segments[s].purpose} onChange={(e) => update((p) => void (p.segments[s].purpose = e.target.value))} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>

          <h2>Hospital networks and VIP</h2>
          <table className="data" data-testid="hospital-table">
            <tbody>
              {plan.hospitalNetworks.map((n, i) => (
                <tr key={i}>
                  <td>
                    <input type="text" aria-label="hospital network name" value={n.name} onChange={(e) => update((p) => void (p.hospitalNetworks[i]!.name = e.target.value))} />
                  </td>
                  <td>
                    <Field label="hospital network CIDR" path={`network.hospitalNetworks.${i}.cidr`} problems={problems} value={n.cidr} width={18} onChange={(v) => update((p) => void (p.hospitalNetworks[i]!.cidr = v))} />
                  </td>
                  <td>
                    <button type="button" className="secondary" onClick={() => update((p) => void p.hospitalNetworks.splice(i, 1))}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
              <tr>
                <td>VIP (in the DMZ)</td>
                <td>
                  <Field label="VIP" path="network.vip" problems={problems} value={plan.vip} width={15} onChange={(v) => update((p) => void (p.vip = v))} />
                </td>
                <td>
                  <button type="button" className="secondary" onClick={() => update((p) => void p.hospitalNetworks.push({ name: 'Hospital network', cidr: '' }))}>
                    Add hospital network
                  </button>
                </td>
              </tr>
            </tbody>
          </table>

          <h2>Host addresses</h2>
          <table className="data" data-testid="hosts-table">
            <thead>
              <tr>
                <th>Host</th>
                {SEGMENTS.map((s) => (
                  <th key={s}>{SEGMENT_TITLE[s]}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {hostNames.map((h) => (
                <tr key={h} data-testid={`host-${h}`}>
                  <th>
                    {h}
                    {problemsAt(problems, `network.hosts.${h}`).map((x, i) => (
                      <div key={i} className={x.severity === 'error' ? 'field-error' : 'field-warning'}>
                        {x.message}
                      </div>
                    ))}
                  </th>
                  {SEGMENTS.map((s) => (
                    <td key={s}>
                      <Field
                        label={`${h} ${s} address`}
                        path={`network.hosts.${h}.${s}`}
                        problems={problems}
                        value={plan.hosts[h]?.[s] ?? ''}
                        width={14}
                        placeholder="–"
                        onChange={(v) =>
                          update((p) => {
                            const legs = { ...(p.hosts[h] ?? {}) };
                            if (v.trim() === '') delete legs[s];
                            else legs[s] = v;
                            p.hosts[h] = legs;
                          })
                        }
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>

          <h2>Internal DNS</h2>
          <div className="toolbar">
            <label>Domain</label>
            <Field label="domain" path="network.domain" problems={problems} value={plan.domain} width={28} onChange={(v) => update((p) => void (p.domain = v))} />
          </div>
          <table className="data" data-testid="dns-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Points at (address or vip)</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {plan.dnsRecords.map((r, i) => (
                <tr key={i}>
                  <td>
                    <Field label="record name" path={`network.dnsRecords.${i}.name`} problems={problems} value={r.name} width={20} onChange={(v) => update((p) => void (p.dnsRecords[i]!.name = v))} />
                    <span className="muted">{r.name === '@' ? plan.domain : `.${plan.domain}`}</span>
                  </td>
                  <td>
                    <Field label="record target" path={`network.dnsRecords.${i}.target`} problems={problems} value={r.target} width={16} onChange={(v) => update((p) => void (p.dnsRecords[i]!.target = v))} />
                  </td>
                  <td>
                    <button type="button" className="secondary" onClick={() => update((p) => void p.dnsRecords.splice(i, 1))}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="toolbar">
            <button type="button" className="secondary" data-testid="dns-add" onClick={() => update((p) => void p.dnsRecords.push({ name: '', target: 'vip' }))}>
              Add record
            </button>
          </div>

          <h2>Firewall matrix</h2>
          <FirewallMatrix plan={plan} problems={problems} update={update} />

          {problems.length ? (
            <>
              <h2>All problems</h2>
              <ul className="net-problems" data-testid="network-problems">
                {problems.map((p, i) => (
                  <li key={i} className={p.severity === 'error' ? 'field-error' : 'field-warning'}>
                    <code>{p.path}</code> {p.message}
                  </li>
                ))}
              </ul>
            </>
          ) : null}

          <div className="toolbar net-actions">
            <button type="button" className="primary" data-testid="network-save" disabled={busy !== null || !dirty} onClick={() => void save()}>
              {busy === 'save' ? 'Saving…' : 'Save to site.yaml'}
            </button>
            <input type="text" aria-label="output folder" data-testid="network-out-dir" size={40} value={outDir} onChange={(e) => setOutDir(e.target.value)} />
            <button type="button" className="secondary" data-testid="network-render" disabled={busy !== null || dirty || errors.length > 0 || !outDir} onClick={() => void render()}>
              Render files
            </button>
          </div>
          {rendered ? (
            <div className="banner banner-info" data-testid="network-rendered">
              {`${rendered.length} file(s) written under ${outDir}`}
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function VlanInput({ segment, value, problems, onChange }: { segment: string; value: number | undefined; problems: Problem[]; onChange: (v: number | undefined) => void }) {
  const path = `network.segments.${segment}.vlan`;
  const mine = problemsAt(problems, path);
  return (
    <div className="net-field">
      <input
        type="number"
        min={1}
        max={4094}
        aria-label={`${segment} VLAN`}
        data-testid={`field-${path}`}
        className={mine.some((p) => p.severity === 'error') ? 'invalid' : undefined}
        value={value ?? ''}
        onChange={(e) => {
          const n = Number.parseInt(e.target.value, 10);
          onChange(Number.isFinite(n) && n >= 1 && n <= 4094 ? n : undefined);
        }}
      />
      {mine.map((p, i) => (
        <div key={i} className={p.severity === 'error' ? 'field-error' : 'field-warning'}>
          {p.message}
        </div>
      ))}
    </div>
  );
}
