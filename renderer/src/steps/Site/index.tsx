import { useState } from 'react';
import type { Input, Output } from '../../../../electron/api/contract.js';
import { useTask } from '../../api/use-task.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { formatBytes } from '../../components/format.js';
import { ensureUnlocked, useUnlock } from '../../store/unlock.js';
import { AddHostForm } from './AddHostForm.js';
import { HostKeyDialog } from './HostKeyDialog.js';
import { useSite } from './site-store.js';
import './site.css';

type TestResult = Output<'targets.test'>['results'][number];

/** Site & targets: create or open a site folder, add hosts, pin their host keys, test SSH access. */
export default function SiteStep() {
  const { site, setSite, dir: sharedDir } = useSite();
  const [dir, setDir] = useState(site?.dir ?? sharedDir);
  const [name, setName] = useState('');
  const [topology, setTopology] = useState<'single' | 'k3s-3'>('k3s-3');
  const [domain, setDomain] = useState('hospital-erp.local');
  const [passphrase, setPassphrase] = useState('');
  const [keyDialog, setKeyDialog] = useState<string | null>(null);
  const open = useTask('site.open');
  const init = useTask('site.init');
  const test = useTask('targets.test');

  const doOpen = async () => {
    const s = await open.run({ dir });
    if (s) setSite(s);
  };
  const doCreate = async () => {
    const s = await init.run({ dir, name, topology, domain, passphrase });
    // The engineer just chose the passphrase: the new site starts unlocked in this window.
    if (s) await useUnlock.getState().unlock(s.dir, passphrase).catch(() => {});
    setPassphrase('');
    if (s) setSite(s);
  };
  const doTest = async () => {
    if (!site || !(await ensureUnlocked(site.dir, 'test the connections'))) return;
    // passphrase is optional in the contract once the site is unlocked (see the session calls).
    await test.run({ dir: site.dir } as Input<'targets.test'>);
  };
  const reload = async () => {
    if (!site) return;
    const s = await open.run({ dir: site.dir });
    // site.open does not read secrets.enc; keep what addHost told us about stored secrets.
    if (s) setSite({ ...s, hosts: s.hosts.map((h) => ({ ...h, hasSecret: h.hasSecret ?? site.hosts.find((o) => o.name === h.name)?.hasSecret })) });
  };
  const results = new Map((test.result?.results ?? []).map((r) => [r.host, r]));

  return (
    <section className="screen" data-testid="site-screen">
      <h1>Site &amp; targets</h1>
      <p className="lead">A site is a folder you carry: site.yaml, encrypted secrets, certificates and logs. Add its servers, pin their SSH host keys, test access.</p>

      <div className="panel site-form" data-testid="site-open-form">
        <div className="site-grid">
          <label htmlFor="site-dir">Site folder</label>
          <input id="site-dir" type="text" data-testid="site-dir" value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/media/usb/st-example" />
        </div>
        <p className="muted">Actions that need the site&apos;s secrets ask for its passphrase once; the site then stays unlocked in this window until you lock it.</p>
        <div className="toolbar">
          <button type="button" className="secondary" data-testid="site-open" disabled={!dir || open.status === 'running'} onClick={() => void doOpen()}>
            Open site
          </button>
        </div>
        <ErrorBanner error={open.error} testId="site-open-error" />
        <details className="site-create" open={!site}>
          <summary>Create a new site in this folder</summary>
          <div className="site-grid">
            <label htmlFor="site-name">Name</label>
            <input id="site-name" type="text" data-testid="site-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="St. Example Hospital" />
            <label htmlFor="site-topology">Topology</label>
            <select id="site-topology" data-testid="site-topology" value={topology} onChange={(e) => setTopology(e.target.value as 'single' | 'k3s-3')}>
              <option value="single">single server (Docker Compose, &lt; 50 beds)</option>
              <option value="k3s-3">three K3s nodes (50-200 beds)</option>
            </select>
            <label htmlFor="site-domain">Internal domain</label>
            <input id="site-domain" type="text" data-testid="site-domain" value={domain} onChange={(e) => setDomain(e.target.value)} />
            <label htmlFor="site-pass">New site passphrase</label>
            <input id="site-pass" type="password" autoComplete="new-password" data-testid="site-passphrase" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
          </div>
          <div className="toolbar">
            <button type="button" className="primary" data-testid="site-create" disabled={!dir || !name || passphrase.length < 8 || init.status === 'running'} onClick={() => void doCreate()}>
              {init.status === 'running' ? 'Creating…' : 'Create site'}
            </button>
            {passphrase.length < 8 ? <span className="muted">A new site needs a passphrase of at least 8 characters.</span> : null}
          </div>
          <ErrorBanner error={init.error} testId="site-create-error" />
        </details>
      </div>

      {site ? (
        <>
          <div className="site-head" data-testid="site-summary">
            <span className="site-name" data-testid="site-summary-name">
              {site.name}
            </span>
            <span className="muted">
              {site.topology === 'single' ? 'single server' : 'three K3s nodes'} · {site.domain} · <span className="mono">{site.dir}</span>
            </span>
          </div>
          <h2>Hosts</h2>
          <table className="data" data-testid="site-hosts">
            <thead>
              <tr>
                <th>Host</th>
                <th>Address</th>
                <th>User</th>
                <th>Role</th>
                <th>Login</th>
                <th>Host key</th>
                <th>Connection test</th>
              </tr>
            </thead>
            <tbody>
              {site.hosts.map((h) => (
                <tr key={h.name} data-testid={`site-host-${h.name}`}>
                  <td>{h.name}</td>
                  <td className="mono">
                    {h.address}:{h.port}
                  </td>
                  <td>{h.user}</td>
                  <td>
                    {h.role}
                    {h.segment ? ` · ${h.segment}` : ''}
                  </td>
                  <td>
                    {h.auth}
                    {h.hasSecret ? ' (stored)' : ''}
                  </td>
                  <td>
                    {h.hostKey ? (
                      <span className="mono site-pinned" title={h.hostKey} data-testid={`site-hostkey-${h.name}`}>
                        {h.hostKey.slice(0, 20)}…
                      </span>
                    ) : (
                      <span className="site-unpinned" data-testid={`site-hostkey-${h.name}`}>
                        not pinned
                      </span>
                    )}{' '}
                    <button type="button" className="secondary site-small" data-testid={`site-checkkey-${h.name}`} onClick={() => setKeyDialog(h.name)}>
                      {h.hostKey ? 'Check' : 'Check & pin'}
                    </button>
                  </td>
                  <td data-testid={`site-test-${h.name}`}>{results.has(h.name) ? <TestCell r={results.get(h.name)!} onPin={() => setKeyDialog(h.name)} /> : <span className="muted">not tested</span>}</td>
                </tr>
              ))}
              {site.hosts.length === 0 ? (
                <tr>
                  <td colSpan={7} className="muted">
                    No hosts yet: add them below.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
          <div className="toolbar">
            <button
              type="button"
              className="primary"
              data-testid="site-test"
              disabled={!site.hosts.length || test.status === 'running'}
              onClick={() => void doTest()}
            >
              {test.status === 'running' ? 'Testing…' : 'Test connections'}
            </button>
            {test.result ? (
              <span className={test.result.ok ? 'site-ok' : 'site-bad'} data-testid="site-test-summary">
                {test.result.ok ? 'All hosts reachable, logged in, sudo and disk OK.' : `${test.result.results.filter((r) => !r.ok).length} of ${test.result.results.length} host(s) failed.`}
              </span>
            ) : null}
          </div>
          <ErrorBanner error={test.error} testId="site-test-error" />
          <AddHostForm dir={site.dir} onAdded={setSite} />
        </>
      ) : null}
      {keyDialog && site ? (
        <HostKeyDialog
          dir={site.dir}
          host={keyDialog}
          onClose={() => setKeyDialog(null)}
          onPinned={() => {
            setKeyDialog(null);
            void reload();
          }}
        />
      ) : null}
    </section>
  );
}

function TestCell({ r, onPin }: { r: TestResult; onPin: () => void }) {
  if (r.ok) {
    const free = r.disk.mounts.map((m) => `${m.mount} ${formatBytes(m.freeBytes)} free`).join(', ');
    return (
      <span className="site-ok" data-ok="true">
        OK · sudo: {r.sudo.mode} · {free}
      </span>
    );
  }
  const failed = [
    ['network', r.reachable],
    ['login', r.auth],
    ['sudo', r.sudo],
    ['disk', r.disk],
  ].find(([, c]) => !(c as { ok: boolean }).ok) as [string, { detail: string }] | undefined;
  const unpinned = !r.auth.ok && /not pinned/.test(r.auth.detail);
  return (
    <span className="site-bad" data-ok="false">
      {failed ? `${failed[0]}: ${failed[1].detail}` : 'failed'}
      {unpinned ? (
        <>
          {' '}
          <button type="button" className="secondary site-small" onClick={onPin}>
            Review key
          </button>
        </>
      ) : null}
    </span>
  );
}
