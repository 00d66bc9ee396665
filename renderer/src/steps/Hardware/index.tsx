import { useEffect } from 'react';
import { useTask } from '../../api/use-task.js';
import { ErrorBanner } from '../../components/ErrorBanner.js';
import { formatBytes } from '../../components/format.js';
import { useSite } from '../../store/site.js';
import SiteHardware from './SiteHardware.js';
import './hardware.css';
import { Card } from '../../components/Card.js';

/** Hardware: this machine now; site hosts and the sizing verdict come from the site's targets. */
export default function HardwareStep() {
  const local = useTask('hardware.local');
  const siteDir = useSite((s) => s.dir);
  const { run } = local;
  useEffect(() => {
    void run({});
  }, [run]);
  const r = local.result;

  return (
    <section className="screen" data-testid="hardware-screen">
      <h1>Hardware</h1>
      <p className="lead">What this machine has. Servers of a site are probed over SSH and judged against the sizing tiers.</p>
      <div className="toolbar">
        <button type="button" className="secondary" data-testid="hardware-refresh" disabled={local.status === 'running'} onClick={() => void run({})}>
          {local.status === 'running' ? 'Detecting…' : 'Detect again'}
        </button>
        {r ? <span className="muted">Read {new Date(r.collectedAt).toLocaleTimeString()} from {r.host}</span> : null}
      </div>
      <ErrorBanner error={local.error} />
      {r ? (
        <>
          <div className="cards">
            <Card label="CPU" value={`${r.cpu.cores} cores`} sub={`${r.cpu.threads} threads · ${r.cpu.model}`} testId="hw-cpu" />
            <Card label="Memory" value={formatBytes(r.memory.totalBytes)} sub={`ECC: ${r.memory.ecc}`} testId="hw-memory" />
            <Card label="Operating system" value={`${r.os.distro} ${r.os.release}`} sub={`kernel ${r.os.kernel} · ${r.os.arch}`} testId="hw-os" />
            <Card
              label="Virtualization"
              value={r.virtualization.virtual === null ? 'unknown' : r.virtualization.virtual ? 'virtual' : 'physical'}
              sub={r.virtualization.kind ?? ''}
              testId="hw-virt"
            />
            <Card label="x86-64-v2" value={r.cpu.x86_64_v2 === null ? 'n/a' : r.cpu.x86_64_v2 ? 'yes' : 'no'} sub={`cgroup ${r.cgroupVersion ? 'v' + r.cgroupVersion : 'unknown'}`} testId="hw-level" />
          </div>

          <h2>Disks</h2>
          <table className="data" data-testid="hw-disks">
            <thead>
              <tr>
                <th>Disk</th>
                <th className="num">Size</th>
                <th>Kind</th>
                <th>Rotational</th>
                <th>Model</th>
              </tr>
            </thead>
            <tbody>
              {r.disks.map((d) => (
                <tr key={d.name}>
                  <td className="mono">{d.name}</td>
                  <td className="num">{formatBytes(d.sizeBytes)}</td>
                  <td>{d.kind}</td>
                  <td>{d.rotational === null ? 'unknown' : d.rotational ? 'yes' : 'no'}</td>
                  <td>{d.model ?? '–'}</td>
                </tr>
              ))}
              {r.disks.length === 0 ? (
                <tr>
                  <td colSpan={5} className="muted">No block devices reported.</td>
                </tr>
              ) : null}
            </tbody>
          </table>

          <h2>Filesystems</h2>
          <table className="data" data-testid="hw-filesystems">
            <thead>
              <tr>
                <th>Mount</th>
                <th>Type</th>
                <th className="num">Size</th>
                <th className="num">Free</th>
                <th>Device</th>
              </tr>
            </thead>
            <tbody>
              {r.filesystems.map((f) => (
                <tr key={f.mount + f.device}>
                  <td className="mono">{f.mount}</td>
                  <td>{f.fsType}</td>
                  <td className="num">{formatBytes(f.sizeBytes)}</td>
                  <td className="num">{formatBytes(f.freeBytes)}</td>
                  <td className="mono">{f.device}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h2>Network interfaces</h2>
          <table className="data" data-testid="hw-nics">
            <thead>
              <tr>
                <th>Interface</th>
                <th>State</th>
                <th>Speed</th>
                <th>Addresses</th>
                <th>MAC</th>
              </tr>
            </thead>
            <tbody>
              {r.nics.map((n) => (
                <tr key={n.name}>
                  <td className="mono">{n.name}</td>
                  <td>{n.up === null ? 'unknown' : n.up ? 'up' : 'down'}</td>
                  <td>{n.speedMbps ? `${n.speedMbps} Mb/s` : '–'}</td>
                  <td className="mono">{n.addresses.join(', ') || '–'}</td>
                  <td className="mono">{n.mac ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>

          {r.warnings.length ? (
            <div className="banner banner-warn" data-testid="hw-warnings">
              <strong>Not measured here:</strong>
              <ul>
                {r.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </>
      ) : local.status === 'running' ? (
        <p className="muted">Detecting hardware…</p>
      ) : null}

      <SiteHardware siteDir={siteDir} />
    </section>
  );
}
