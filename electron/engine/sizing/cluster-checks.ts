import type { HardwareReport } from '../hardware/schema.js';
import { check, worst, type SizingCheck } from './check.js';
import { fmtMs } from './host-checks.js';
import type { SizingProfile } from './profile-schema.js';

export interface ClusterMember {
  host: string;
  report: HardwareReport | null;
  /** The host's own checks (used for the "on every node" summaries). */
  checks: SizingCheck[];
}

/** Number of server hosts a topology needs. */
export function expectedNodes(profile: SizingProfile, topology: 'single' | 'k3s-3'): number {
  return profile.nodes ?? (topology === 'k3s-3' ? 3 : 1);
}

/**
 * Checks across hosts: node count for the topology; for K3s also clock skew between nodes
 * (etcd and certificates need agreement), one OS family and one architecture, unique hostnames
 * (K3s refuses duplicates), and bundle space on every node.
 */
export function evaluateCluster(members: ClusterMember[], profile: SizingProfile, topology: 'single' | 'k3s-3'): SizingCheck[] {
  const checks: SizingCheck[] = [];
  const want = expectedNodes(profile, topology);
  const n = members.length;
  checks.push(
    check(
      'cluster.nodes',
      'Number of servers',
      n === want ? 'pass' : 'fail',
      `${n} server host${n === 1 ? '' : 's'}`,
      `exactly ${want} (${topology === 'k3s-3' ? 'three K3s servers with embedded etcd' : 'one server, Docker Compose'})`,
      n < want ? `Add ${want - n} server host${want - n === 1 ? '' : 's'} to the site.` : `Remove ${n - want} server host${n - want === 1 ? '' : 's'} from the site, or choose the other topology.`,
    ),
  );

  const reports = members.filter((m): m is ClusterMember & { report: HardwareReport } => m.report !== null);
  const unprobed = members.filter((m) => m.report === null).map((m) => m.host);
  if (unprobed.length) {
    checks.push(check('cluster.probed', 'Every server probed', 'fail', `not probed: ${unprobed.join(', ')}`, 'all', 'Fix the connection to these hosts (appliance targets test) and probe again.'));
  }
  if (topology !== 'k3s-3' || reports.length < 2) return checks;

  // Skew: the spread of each node's offset to this laptop (the laptop's own error cancels out).
  const offsets = reports.map((m) => ({ host: m.host, off: m.report.timeSync.offsetMs }));
  const known = offsets.filter((o): o is { host: string; off: number } => o.off !== null);
  if (known.length < reports.length) {
    const missing = offsets.filter((o) => o.off === null).map((o) => o.host);
    checks.push(check('cluster.skew', 'Clock skew between nodes', 'warn', `unknown for ${missing.join(', ')}`, `< ${fmtMs(profile.cluster.maxSkewMs)}`, 'Could not read every clock: compare `date -u` on the nodes by hand.'));
  } else {
    const hi = known.reduce((a, b) => (b.off > a.off ? b : a));
    const lo = known.reduce((a, b) => (b.off < a.off ? b : a));
    const skew = hi.off - lo.off;
    const s = skew >= profile.cluster.maxSkewMs ? 'fail' : skew >= profile.cluster.warnSkewMs ? 'warn' : 'pass';
    checks.push(
      check(
        'cluster.skew',
        'Clock skew between nodes',
        s,
        `${fmtMs(skew)} (${hi.host} ahead of ${lo.host})`,
        `< ${fmtMs(profile.cluster.maxSkewMs)}`,
        'Sync every node to the same NTP server (timedatectl set-ntp true / chrony): etcd and certificate checks need agreeing clocks.',
      ),
    );
  }

  const families = group(reports, (m) => m.report.os.family);
  checks.push(
    check('cluster.osFamily', 'Same OS family', families.size === 1 ? 'pass' : 'fail', describe(families), 'one family on every node', 'Install the same distribution on every node: the recipe installs the same packages everywhere.'),
  );
  const releases = group(reports, (m) => `${m.report.os.family} ${m.report.os.release}`);
  if (families.size === 1) {
    checks.push(check('cluster.osRelease', 'Same OS release', releases.size === 1 ? 'pass' : 'warn', describe(releases), 'one release on every node', 'Prefer one release on every node (kernel and package versions then match).'));
  }
  const arches = group(reports, (m) => m.report.cpu.arch);
  checks.push(check('cluster.arch', 'Same architecture', arches.size === 1 ? 'pass' : 'fail', describe(arches), 'one architecture on every node', 'Use servers of one architecture: the bundle carries images for one.'));

  const named = reports.filter((m) => m.report.hostname);
  const names = group(named, (m) => m.report.hostname!);
  const dups = [...names].filter(([, hs]) => hs.length > 1);
  checks.push(
    check(
      'cluster.hostnames',
      'Unique hostnames',
      dups.length ? 'fail' : named.length < reports.length ? 'warn' : 'pass',
      dups.length ? dups.map(([name, hs]) => `"${name}" on ${hs.join(', ')}`).join('; ') : named.length < reports.length ? 'not read on every node' : 'all different',
      'different on every node (K3s)',
      dups.length ? 'Give every node its own hostname (hostnamectl set-hostname): K3s refuses two nodes with one name.' : 'Check `hostname` on every node by hand.',
    ),
  );

  const space = members.map((m) => ({ host: m.host, status: worst(m.checks.filter((c) => c.id.startsWith('freeSpace:')).map((c) => c.status)) }));
  const short = space.filter((x) => x.status !== 'pass');
  checks.push(
    check(
      'cluster.bundleSpace',
      'Room for the bundle on every node',
      worst(space.map((x) => x.status)),
      short.length ? `short on ${short.map((x) => x.host).join(', ')}` : 'every node',
      'bundle × 2 free on each node',
      'Free space on the nodes listed (see each node\'s free-space line).',
    ),
  );
  return checks;
}

function group<T>(items: T[], key: (t: T & { host?: string }) => string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const it of items as (T & { host: string })[]) m.set(key(it), [...(m.get(key(it)) ?? []), it.host]);
  return m;
}

function describe(groups: Map<string, string[]>): string {
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups].map(([k, hs]) => `${k} on ${hs.join(', ')}`).join('; ');
}
