import type { DiskInfo, FilesystemInfo, HardwareReport } from '../hardware/schema.js';
import { check, fmtBytes, type SizingCheck } from './check.js';
import type { Need, SizingProfile } from './profile-schema.js';

export interface HostCheckOptions {
  /** Size of the bundle to install, in bytes; free space is checked against bundleFactor x this. */
  bundleBytes?: number | null;
}

const GiB = 2 ** 30;

/** Mount point holding `path`: the longest mount that is a prefix of it. */
export function filesystemOf(path: string, filesystems: FilesystemInfo[]): FilesystemInfo | undefined {
  let best: FilesystemInfo | undefined;
  for (const fs of filesystems) {
    const m = fs.mount;
    const holds = m === '/' || path === m || path.startsWith(m.endsWith('/') ? m : m + '/');
    if (holds && (!best || m.length > best.mount.length)) best = fs;
  }
  return best;
}

/** Below min*(1-tolerance) fails; below recommended*(1-tolerance) warns. */
function grade(value: number, min: number, recommended: number | undefined, tolerance: number): 'pass' | 'warn' | 'fail' {
  if (value < min * (1 - tolerance)) return 'fail';
  if (recommended !== undefined && value < recommended * (1 - tolerance)) return 'warn';
  return 'pass';
}

function needStatus(need: Need, have: boolean | null): 'pass' | 'info' | 'warn' | 'fail' {
  if (need === 'ignore') return 'info';
  if (have === true) return 'pass';
  if (have === null) return 'warn';
  return need === 'required' ? 'fail' : 'warn';
}

/**
 * Judges one host's report against a profile: one check per requirement, each with the measured
 * value, the required value and a one-line remediation. Pure: the same report gives the same checks.
 */
export function evaluateHost(r: HardwareReport, profile: SizingProfile, opts: HostCheckOptions = {}): SizingCheck[] {
  const h = profile.host;
  const single = profile.topology === 'single';
  const checks: SizingCheck[] = [];
  const add = (c: SizingCheck) => checks.push(c);

  // CPU
  {
    const { min, recommended } = h.cores;
    const s = grade(r.cpu.cores, min, recommended, 0);
    add(
      check(
        'cpu.cores',
        'CPU cores',
        s,
        `${r.cpu.cores} cores (${r.cpu.threads} threads${r.cpu.sockets ? `, ${r.cpu.sockets} socket${r.cpu.sockets > 1 ? 's' : ''}` : ''})`,
        `≥ ${min}${recommended ? ` (recommended ${recommended})` : ''}`,
        s === 'fail'
          ? `Use a server with at least ${min} physical cores (${min - r.cpu.cores} more)${single ? ' or choose the medium tier' : ''}.`
          : `Works, but ${recommended} cores are recommended for this tier: plan a CPU upgrade.`,
      ),
    );
  }

  // Memory
  {
    const { min, recommended, tolerance } = h.memory;
    const s = grade(r.memory.totalBytes, min, recommended, tolerance);
    const target = s === 'fail' ? min : (recommended ?? min);
    const deficitGiB = Math.max(1, Math.round((target - r.memory.totalBytes) / GiB));
    add(
      check(
        'memory',
        'Memory',
        s,
        fmtBytes(r.memory.totalBytes, 'binary'),
        `≥ ${fmtBytes(min, 'binary')}${recommended ? ` (recommended ${fmtBytes(recommended, 'binary')})` : ''}`,
        s === 'fail'
          ? `Add about ${deficitGiB} GB of RAM (at least ${fmtBytes(min, 'binary')} installed)${single ? ' or choose the medium tier' : ''}.`
          : `Add about ${deficitGiB} GB of RAM to reach the recommended ${fmtBytes(target, 'binary')}${single ? ', or choose the medium tier' : ''}.`,
      ),
    );
  }

  // ECC
  {
    const have = r.memory.ecc === 'yes' ? true : r.memory.ecc === 'no' ? false : null;
    const s = needStatus(h.ecc, have);
    add(
      check(
        'memory.ecc',
        'ECC memory',
        s,
        r.memory.ecc,
        h.ecc === 'ignore' ? 'not checked' : h.ecc,
        have === null
          ? 'ECC could not be read (dmidecode needs root, and VMs hide it): confirm ECC in the server BIOS or with the vendor.'
          : 'Use ECC memory (registered ECC DIMMs): a flipped bit in a patient record is silent without it.',
      ),
    );
  }

  // Architecture and instruction set
  {
    const ok = h.arch.includes(r.cpu.arch);
    add(check('cpu.arch', 'CPU architecture', ok ? 'pass' : 'fail', r.cpu.arch, h.arch.join(' or '), `This bundle runs on ${h.arch.join(' or ')} only: use such a server.`));
    const x86 = /^(x86_64|amd64)$/i.test(r.cpu.arch);
    const v2 = r.cpu.x86_64_v2;
    const s = !x86 ? 'info' : needStatus(h.x86_64_v2, v2);
    add(
      check(
        'cpu.x86_64_v2',
        'x86-64-v2 instructions',
        s,
        !x86 ? 'not x86' : v2 === null ? 'unknown (CPU flags not readable)' : v2 ? 'yes' : 'no (missing SSE4.2/POPCNT/CX16 class)',
        h.x86_64_v2 === 'ignore' ? 'not checked' : h.x86_64_v2,
        v2 === null
          ? 'Could not read the CPU flags: check /proc/cpuinfo for sse4_2, popcnt, cx16, ssse3, lahf_lm.'
          : 'Use a CPU from 2009 or later (Intel Nehalem / AMD Bulldozer or newer); in a VM, set the CPU model to host-passthrough or x86-64-v2.',
      ),
    );
  }

  // Operating system
  {
    const fam = h.os.find((o) => o.family === r.os.family);
    const ok = !!fam && fam.releases.includes(r.os.release);
    const wanted = h.os.map((o) => `${cap(o.family)} ${o.releases.join('/')}`).join(', ');
    add(check('os', 'Operating system', ok ? 'pass' : 'fail', `${r.os.distro} (${r.os.family} ${r.os.release}), kernel ${r.os.kernel}`, wanted, `Install ${wanted}: the install recipes and packages are built and tested for these only.`));
  }

  // OS disk: kind and size
  {
    const root = filesystemOf('/', r.filesystems);
    const osDisks = root ? diskOfFilesystem(root, r) : [];
    const { kinds, recommendedKinds, minSize, tolerance } = h.osDisk;
    if (!osDisks.length) {
      add(
        check(
          'osDisk.kind',
          'OS disk type',
          'warn',
          root ? `unknown (/ is on ${root.device})` : 'unknown',
          kindsText(recommendedKinds),
          `Could not tell which disk holds /: confirm it is ${kindsText(recommendedKinds)} (lsblk -o NAME,ROTA,TRAN).`,
        ),
      );
      add(check('osDisk.size', 'OS disk size', 'warn', 'unknown', `≥ ${fmtBytes(minSize, 'decimal')}`, `Confirm the OS disk holds at least ${fmtBytes(minSize, 'decimal')}.`));
    } else {
      // md RAID: every member must qualify, so the weakest member decides.
      const order = ['nvme', 'ssd', 'virtual', 'unknown', 'hdd'] as const;
      const weakest = [...osDisks].sort((a, b) => order.indexOf(b.kind) - order.indexOf(a.kind))[0]!;
      const s = recommendedKinds.includes(weakest.kind) ? 'pass' : kinds.includes(weakest.kind) ? 'warn' : weakest.kind === 'virtual' || weakest.kind === 'unknown' ? 'warn' : 'fail';
      const desc = osDisks.map((d) => `${d.name} ${KIND_LABEL[d.kind]}${d.transport ? `/${d.transport}` : ''}`).join(', ') + (osDisks[0]!.raidMemberOf ? ` (${osDisks[0]!.raidMemberOf})` : '');
      add(
        check(
          'osDisk.kind',
          'OS disk type',
          s,
          desc,
          `${kindsText(recommendedKinds)}${kinds.length > recommendedKinds.length ? ` (minimum ${kindsText(kinds.filter((k) => k !== 'virtual' && k !== 'unknown'))})` : ''}`,
          weakest.kind === 'virtual' || weakest.kind === 'unknown'
            ? `The disk type cannot be seen from inside (${weakest.name} is ${KIND_LABEL[weakest.kind]}): confirm with the hypervisor or storage admin that it is backed by ${kindsText(recommendedKinds.filter((k) => k !== 'virtual'))}.`
            : s === 'fail'
              ? `Put the OS (and /var/lib) on ${kindsText(kinds.filter((k) => k === 'ssd' || k === 'nvme'))}: etcd and the databases are write-intensive and a spinning disk stalls them.`
              : `Works, but ${kindsText(recommendedKinds)} is recommended for this tier (etcd latency).`,
        ),
      );
      const md = osDisks[0]!.raidMemberOf ? r.raidArrays.find((a) => a.name === osDisks[0]!.raidMemberOf) : undefined;
      const size = md?.sizeBytes ?? Math.min(...osDisks.map((d) => d.sizeBytes));
      const ss = grade(size, minSize, undefined, tolerance);
      add(check('osDisk.size', 'OS disk size', ss, fmtBytes(size, 'decimal'), `≥ ${fmtBytes(minSize, 'decimal')}`, `Use an OS disk of at least ${fmtBytes(minSize, 'decimal')} (${fmtBytes(minSize - size, 'decimal')} short).`));
    }
  }

  // Data filesystem (where Docker/K3s keep images, volumes, etcd)
  {
    const { path, minSize, tolerance } = h.dataFilesystem;
    const fs = filesystemOf(path, r.filesystems);
    if (!fs) add(check('dataFilesystem', `Data filesystem (${path})`, 'warn', 'unknown', `≥ ${fmtBytes(minSize, 'decimal')}`, `Could not read the size of ${path} (df): check it by hand.`));
    else {
      const s = grade(fs.sizeBytes, minSize, undefined, tolerance);
      add(
        check(
          'dataFilesystem',
          `Data filesystem (${path})`,
          s,
          `${fmtBytes(fs.sizeBytes, 'decimal')} on ${fs.mount}`,
          `≥ ${fmtBytes(minSize, 'decimal')}`,
          `Give ${path} a filesystem of at least ${fmtBytes(minSize, 'decimal')} (add a data disk and mount it there, or grow the volume).`,
        ),
      );
    }
  }

  // Free space for the bundle, per filesystem holding one of the paths.
  {
    const { paths, bundleFactor, minFree } = h.freeSpace;
    const bundle = opts.bundleBytes ?? null;
    const need = Math.max(minFree, bundle ? bundle * bundleFactor : 0);
    const groups = new Map<string, { fs: FilesystemInfo; paths: string[] }>();
    const unknown: string[] = [];
    for (const p of paths) {
      const fs = filesystemOf(p, r.filesystems);
      if (!fs) unknown.push(p);
      else groups.set(fs.mount, { fs, paths: [...(groups.get(fs.mount)?.paths ?? []), p] });
    }
    const required = `≥ ${fmtBytes(need, 'decimal')}${bundle ? ` (bundle ${fmtBytes(bundle, 'decimal')} × ${bundleFactor})` : ' (bundle size not given)'}`;
    for (const { fs, paths: ps } of groups.values()) {
      const ok = fs.freeBytes >= need;
      add(
        check(
          `freeSpace:${fs.mount}`,
          `Free space for ${ps.join(', ')}`,
          ok ? 'pass' : 'fail',
          `${fmtBytes(fs.freeBytes, 'decimal')} free on ${fs.mount}`,
          required,
          `Free ${fmtBytes(need - fs.freeBytes, 'decimal')} on ${fs.mount} (old images, logs, /var/cache) or mount a larger disk at ${ps[0]}.`,
        ),
      );
    }
    for (const p of unknown) add(check(`freeSpace:${p}`, `Free space for ${p}`, 'warn', 'unknown', required, `Could not read free space of ${p} (df): check it by hand.`));
  }

  // cgroup v2
  {
    const s = needStatus(h.cgroupV2, r.cgroupVersion === null ? null : r.cgroupVersion === 2);
    add(
      check(
        'cgroup',
        'cgroup version',
        s,
        r.cgroupVersion ? `v${r.cgroupVersion}` : 'unknown',
        h.cgroupV2 === 'ignore' ? 'not checked' : `v2 (${h.cgroupV2})`,
        'Boot with the unified cgroup hierarchy (kernel parameter systemd.unified_cgroup_hierarchy=1; the default on Ubuntu 22.04+ and Debian 12).',
      ),
    );
  }

  // Swap
  {
    const swap = r.memory.swapTotalBytes;
    const on = swap === null ? null : swap > 0;
    const s = on === false ? 'pass' : h.swap === 'allowed' ? 'info' : 'warn';
    add(check('swap', 'Swap', s, swap === null ? 'unknown' : on ? `on (${fmtBytes(swap, 'binary')})` : 'off', h.swap === 'warn' ? 'off (kubelet)' : 'any', 'Turn swap off (swapoff -a, and remove it from /etc/fstab): kubelet memory limits assume no swap.'));
  }

  // Time
  {
    const s = needStatus(h.timeSync, r.timeSync.synchronized);
    add(
      check(
        'timeSync',
        'Time synchronisation (NTP)',
        s,
        r.timeSync.synchronized === null ? 'unknown' : r.timeSync.synchronized ? 'synchronised' : 'not synchronised',
        h.timeSync === 'ignore' ? 'not checked' : `synchronised (${h.timeSync})`,
        r.timeSync.synchronized === null
          ? 'Could not tell (no timedatectl, chronyc or ntpq answer): make sure the server syncs to the hospital NTP server.'
          : 'Point the server at the hospital NTP server (timedatectl set-ntp true, or chrony) so certificates and etcd agree on time.',
      ),
    );
    const off = r.timeSync.offsetMs;
    const { warnMs, failMs } = h.clockOffset;
    const os = off === null ? 'warn' : Math.abs(off) >= failMs ? 'fail' : Math.abs(off) >= warnMs ? 'warn' : 'pass';
    add(
      check(
        'clockOffset',
        'Clock offset to this laptop',
        os,
        off === null ? 'unknown' : `${off >= 0 ? '+' : ''}${fmtMs(off)} (${off >= 0 ? 'server ahead' : 'server behind'})`,
        `< ${fmtMs(warnMs)} (fails at ${fmtMs(failMs)})`,
        off === null
          ? 'Could not read the server clock: compare `date -u` there with this laptop.'
          : 'Set the right time on the server (or on this laptop): certificates issued here would look not yet valid or expired there.',
      ),
    );
  }

  // Virtualization (information only)
  add(
    check(
      'virtualization',
      'Virtualization',
      'info',
      r.virtualization.virtual === null ? 'unknown' : r.virtualization.virtual ? `virtual (${r.virtualization.kind ?? 'unknown kind'})` : 'physical',
      'information',
    ),
  );

  // Network speed
  {
    const rec = h.nic.recommendedSpeedMbps;
    const candidates = r.nics.filter((n) => n.name !== 'lo' && n.up !== false && n.addresses.some((a) => !a.startsWith('fe80:')));
    const speeds = candidates.map((n) => n.speedMbps).filter((v): v is number => v !== null);
    const best = speeds.length ? Math.max(...speeds) : null;
    const s = rec === 0 ? 'info' : best === null ? 'info' : best >= rec ? 'pass' : 'warn';
    add(
      check(
        'nic.speed',
        'Network link speed',
        s,
        candidates.length === 0 ? 'no interface with an address' : best === null ? 'not reported (typical for virtual NICs)' : `${best} Mb/s (${candidates.map((n) => n.name).join(', ')})`,
        rec ? `≥ ${rec} Mb/s (recommended)` : 'information',
        `Connect the server at ${rec} Mb/s or more: image loads and database replication move gigabytes.`,
      ),
    );
  }

  // Ports the stack will listen on
  if (h.ports.length) {
    const taken = h.ports.flatMap((p) =>
      r.listeningPorts.filter((l) => l.protocol === p.protocol && l.port === p.port && !(l.process && h.portOwners.includes(l.process))).map((l) => ({ need: p, by: l })),
    );
    const unread = r.listeningPorts.length === 0 && r.warnings.some((w) => w.startsWith('listeningPorts'));
    const s = taken.length ? 'fail' : unread ? 'warn' : 'pass';
    add(
      check(
        'ports',
        'Ports the stack needs',
        s,
        taken.length ? taken.map((t) => `${t.need.port}/${t.need.protocol} used by ${t.by.process ?? 'another process'}`).join('; ') : unread ? 'unknown (listening sockets not readable)' : 'all free',
        h.ports.map((p) => `${p.port}/${p.protocol}`).join(', ') + ' free',
        taken.length
          ? `Stop or move what listens on ${taken.map((t) => `${t.need.port}/${t.need.protocol} (${t.need.purpose})`).join(', ')}: the stack must bind these ports.`
          : 'Check by hand with `ss -tulnp` that these ports are free.',
      ),
    );
  }

  return checks;
}

function diskOfFilesystem(fs: FilesystemInfo, r: HardwareReport): DiskInfo[] {
  const names = fs.disks ?? [];
  return names.map((n) => r.disks.find((d) => d.name === n)).filter((d): d is DiskInfo => !!d);
}

const KIND_LABEL: Record<string, string> = { nvme: 'NVMe', ssd: 'SSD', hdd: 'HDD', virtual: 'virtual disk', unknown: 'unknown' };
/** "ssd, nvme" -> "SSD or NVMe". */
function kindsText(kinds: string[]): string {
  return kinds.map((k) => KIND_LABEL[k] ?? k).join(' or ');
}

function fmtMs(ms: number): string {
  const a = Math.abs(ms);
  if (a >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (a >= 1000) return `${(ms / 1000).toFixed(a >= 10_000 ? 0 : 1)} s`;
  return `${Math.round(ms)} ms`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export { fmtMs };
