import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HardwareReport } from '../hardware/schema.js';
import { worst, type SizingCheck } from './check.js';
import { evaluateCluster } from './cluster-checks.js';
import { evaluateHost, filesystemOf } from './host-checks.js';
import { parseSize } from './profile-schema.js';
import { defaultProfileName, getProfile, loadProfiles } from './profiles.js';
import { sizeSite, SiteSizing } from './verdict.js';


const GiB = 2 ** 30;

/**
 * A server that meets the small tier's recommendation (16 cores, 64 GiB ECC, NVMe OS disk,
 * 2 TB data, Ubuntu 24.04, cgroup v2, NTP synced). Tests change one thing at a time.
 */
export function goodReport(host = 'node1', patch: (r: HardwareReport) => void = () => {}): HardwareReport {
  const r: HardwareReport = {
    host,
    hostname: host,
    source: 'ssh',
    collectedAt: '2026-11-22T12:00:00.000Z',
    cpu: { model: 'Xeon', vendor: 'Intel', arch: 'x86_64', cores: 16, threads: 32, sockets: 1, x86_64_v2: true, mhz: 2400 },
    memory: { totalBytes: 63 * GiB, ecc: 'yes', swapTotalBytes: 0 },
    disks: [
      { name: 'nvme0n1', model: 'P5600', sizeBytes: 960e9, kind: 'nvme', rotational: false, transport: 'nvme', raidMemberOf: null },
      { name: 'sdb', model: 'HDD', sizeBytes: 2000e9, kind: 'hdd', rotational: true, transport: 'sas', raidMemberOf: null },
    ],
    raidArrays: [],
    filesystems: [
      { mount: '/', device: '/dev/nvme0n1p2', fsType: 'ext4', sizeBytes: 940e9, freeBytes: 800e9, disks: ['nvme0n1'] },
      { mount: '/var/lib', device: '/dev/sdb1', fsType: 'xfs', sizeBytes: 1990e9, freeBytes: 1900e9, disks: ['sdb'] },
    ],
    nics: [{ name: 'eno1', mac: 'b0:26:28:00:00:01', addresses: ['192.168.10.10/24'], speedMbps: 10000, up: true, virtual: false }],
    os: { family: 'ubuntu', distro: 'Ubuntu 24.04.1 LTS', release: '24.04', codename: 'noble', kernel: '6.8.0', arch: 'x86_64' },
    virtualization: { virtual: false, kind: null },
    initSystem: 'systemd',
    timeSync: { synchronized: true, offsetMs: 20, service: { name: 'systemd-timesyncd', state: 'active' } },
    cgroupVersion: 2,
    security: { selinux: 'absent', apparmor: 'enabled' },
    listeningPorts: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' }],
    warnings: [],
  };
  patch(r);
  return r;
}

const small = getProfile('small-single', 'single');
const medium = getProfile('medium-k3s-3', 'k3s-3');
const lab = getProfile('lab', 'k3s-3');

function statusOf(checks: SizingCheck[], id: string): string {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${checks.map((x) => x.id).join(', ')}`);
  return c.status;
}

describe('profiles.yaml', () => {
  it('loads, and picks the production profile per topology', () => {
    const f = loadProfiles();
    expect(f.profiles.map((p) => p.name)).toEqual(['small-single', 'medium-k3s-3', 'lab']);
    expect(defaultProfileName('single')).toBe('small-single');
    expect(defaultProfileName('k3s-3')).toBe('medium-k3s-3');
    expect(f.notes.join(' ')).toMatch(/200\+ beds.*out of scope/);
  });

  it('holds the tier figures of the on-premise guide', () => {
    expect(small.host.cores).toEqual({ min: 8, recommended: 16 });
    expect(small.host.memory.min).toBe(32 * GiB);
    expect(small.host.memory.recommended).toBe(64 * GiB);
    expect(small.host.osDisk.minSize).toBe(256e9);
    expect(small.host.dataFilesystem.minSize).toBe(1e12);
    expect(medium.nodes).toBe(3);
    expect(medium.host.cores.min).toBe(8);
    expect(medium.host.osDisk.minSize).toBe(500e9);
    expect(medium.host.osDisk.recommendedKinds).toEqual(['nvme']);
    expect(medium.host.ports.map((p) => `${p.port}/${p.protocol}`)).toEqual(expect.arrayContaining(['6443/tcp', '2379/tcp', '2380/tcp', '10250/tcp', '8472/udp']));
  });

  it('rejects unknown profiles and profiles of another topology, naming the choices', () => {
    expect(() => getProfile('huge', 'single')).toThrow(/Unknown sizing profile "huge": choose one of small-single, medium-k3s-3, lab/);
    expect(() => getProfile('medium-k3s-3', 'single')).toThrow(/is for the k3s-3 topology, but this site is single/);
    expect(getProfile('lab', 'single').name).toBe('lab');
  });

  it('reports an invalid profiles file with the field at fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'));
    const p = join(dir, 'bad.yaml');
    writeFileSync(p, 'schemaVersion: 1\nprofiles:\n  - name: x\n    title: x\n    production: true\n    topology: single\n    host: { cores: { min: 8 } }\n    cluster: { maxSkewMs: 1, warnSkewMs: 1 }\n');
    expect(() => loadProfiles(p)).toThrow(/bad\.yaml is invalid: profiles\.0\.host\.memory/);
  });

  it('parses sizes in binary and decimal units', () => {
    expect(parseSize('32GiB')).toBe(32 * 2 ** 30);
    expect(parseSize('1TB')).toBe(1e12);
    expect(parseSize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseSize(42)).toBe(42);
    expect(() => parseSize('32 gigs')).toThrow(/not a size/);
  });
});

describe('host checks: the recommended server passes everything', () => {
  it('small tier', () => {
    const checks = evaluateHost(goodReport(), small, { bundleBytes: 10e9 });
    expect(checks.filter((c) => c.status === 'warn' || c.status === 'fail')).toEqual([]);
    expect(checks.every((c) => c.remediation === null)).toBe(true);
  });
});

type Case = [label: string, patch: (r: HardwareReport) => void, id: string, status: 'pass' | 'info' | 'warn' | 'fail', opts?: { bundleBytes?: number | null; profile?: 'small' | 'medium' | 'lab' }];

// Each row changes one measurement of the good server and expects one check's status: the
// boundaries (exactly min, one below, exactly recommended, one below) for every requirement.
const cases: Case[] = [
  ['16 cores', (r) => (r.cpu.cores = 16), 'cpu.cores', 'pass'],
  ['15 cores (below recommended)', (r) => (r.cpu.cores = 15), 'cpu.cores', 'warn'],
  ['8 cores (exactly min)', (r) => (r.cpu.cores = 8), 'cpu.cores', 'warn'],
  ['7 cores (below min)', (r) => (r.cpu.cores = 7), 'cpu.cores', 'fail'],
  ['8 cores, medium (no recommendation)', (r) => (r.cpu.cores = 8), 'cpu.cores', 'pass', { profile: 'medium' }],
  ['1 core, lab', (r) => (r.cpu.cores = 1), 'cpu.cores', 'pass', { profile: 'lab' }],
  ['64 GiB', (r) => (r.memory.totalBytes = 64 * GiB), 'memory', 'pass'],
  ['60.2 GiB MemTotal (64 installed, within 6 %)', (r) => (r.memory.totalBytes = 60.2 * GiB), 'memory', 'pass'],
  ['60 GiB (below recommended)', (r) => (r.memory.totalBytes = 60 * GiB), 'memory', 'warn'],
  ['31.3 GiB MemTotal (32 installed)', (r) => (r.memory.totalBytes = 31.3 * GiB), 'memory', 'warn'],
  ['30 GiB (below min)', (r) => (r.memory.totalBytes = 30 * GiB), 'memory', 'fail'],
  ['16 GiB, medium', (r) => (r.memory.totalBytes = 16 * GiB), 'memory', 'fail', { profile: 'medium' }],
  ['480 MiB MemTotal, lab (512 MiB min)', (r) => (r.memory.totalBytes = 482 * 2 ** 20), 'memory', 'pass', { profile: 'lab' }],
  ['400 MiB, lab', (r) => (r.memory.totalBytes = 400 * 2 ** 20), 'memory', 'fail', { profile: 'lab' }],
  ['ECC yes', (r) => (r.memory.ecc = 'yes'), 'memory.ecc', 'pass'],
  ['ECC no, small (required)', (r) => (r.memory.ecc = 'no'), 'memory.ecc', 'fail'],
  ['ECC unknown, small', (r) => (r.memory.ecc = 'unknown'), 'memory.ecc', 'warn'],
  ['ECC no, medium (recommended)', (r) => (r.memory.ecc = 'no'), 'memory.ecc', 'warn', { profile: 'medium' }],
  ['ECC no, lab (ignored)', (r) => (r.memory.ecc = 'no'), 'memory.ecc', 'info', { profile: 'lab' }],
  ['aarch64 on small', (r) => (r.cpu.arch = 'aarch64'), 'cpu.arch', 'fail'],
  ['no x86-64-v2', (r) => (r.cpu.x86_64_v2 = false), 'cpu.x86_64_v2', 'fail'],
  ['x86-64-v2 unknown', (r) => (r.cpu.x86_64_v2 = null), 'cpu.x86_64_v2', 'warn'],
  ['no x86-64-v2, lab (recommended)', (r) => (r.cpu.x86_64_v2 = false), 'cpu.x86_64_v2', 'warn', { profile: 'lab' }],
  ['Ubuntu 22.04', (r) => ((r.os.family = 'ubuntu'), (r.os.release = '22.04')), 'os', 'pass'],
  ['Debian 12', (r) => ((r.os.family = 'debian'), (r.os.release = '12')), 'os', 'pass'],
  ['Ubuntu 20.04', (r) => (r.os.release = '20.04'), 'os', 'fail'],
  ['Debian 11', (r) => ((r.os.family = 'debian'), (r.os.release = '11')), 'os', 'fail'],
  ['Rocky 9', (r) => ((r.os.family = 'rocky'), (r.os.release = '9.3')), 'os', 'fail'],
  ['OS disk SSD, small', (r) => (r.disks[0]!.kind = 'ssd'), 'osDisk.kind', 'pass'],
  ['OS disk SSD, medium (NVMe recommended)', (r) => (r.disks[0]!.kind = 'ssd'), 'osDisk.kind', 'warn', { profile: 'medium' }],
  ['OS disk HDD', (r) => (r.disks[0]!.kind = 'hdd'), 'osDisk.kind', 'fail'],
  ['OS disk virtual', (r) => (r.disks[0]!.kind = 'virtual'), 'osDisk.kind', 'warn'],
  ['OS disk not mapped', (r) => delete r.filesystems[0]!.disks, 'osDisk.kind', 'warn'],
  ['OS on RAID1 of NVMe + HDD: the HDD decides', (r) => ((r.filesystems[0]!.disks = ['nvme0n1', 'sdb']), (r.disks[0]!.raidMemberOf = 'md0'), (r.disks[1]!.raidMemberOf = 'md0')), 'osDisk.kind', 'fail'],
  ['OS disk 256 GB (exactly min)', (r) => (r.disks[0]!.sizeBytes = 256e9), 'osDisk.size', 'pass'],
  ['OS disk 240 GB', (r) => (r.disks[0]!.sizeBytes = 240e9), 'osDisk.size', 'fail'],
  ['OS disk 480 GB, medium', (r) => (r.disks[0]!.sizeBytes = 480e9), 'osDisk.size', 'pass', { profile: 'medium' }],
  ['OS disk 450 GB, medium', (r) => (r.disks[0]!.sizeBytes = 450e9), 'osDisk.size', 'fail', { profile: 'medium' }],
  ['/var/lib 960 GB (1 TB within 5 %)', (r) => (r.filesystems[1]!.sizeBytes = 960e9), 'dataFilesystem', 'pass'],
  ['/var/lib 900 GB', (r) => (r.filesystems[1]!.sizeBytes = 900e9), 'dataFilesystem', 'fail'],
  ['/var/lib on / (940 GB)', (r) => r.filesystems.pop(), 'dataFilesystem', 'fail'],
  ['no df at all', (r) => (r.filesystems = []), 'dataFilesystem', 'warn'],
  ['free 20 GB, bundle 10 GB (exactly 2x)', (r) => (r.filesystems[0]!.freeBytes = 20e9), 'freeSpace:/', 'pass', { bundleBytes: 10e9 }],
  ['free 19.9 GB, bundle 10 GB', (r) => (r.filesystems[0]!.freeBytes = 19.9e9), 'freeSpace:/', 'fail', { bundleBytes: 10e9 }],
  ['free 30 GB, bundle 20 GB', (r) => (r.filesystems[0]!.freeBytes = 30e9), 'freeSpace:/', 'fail', { bundleBytes: 20e9 }],
  ['free 19 GB, no bundle (minFree 20 GB)', (r) => (r.filesystems[0]!.freeBytes = 19e9), 'freeSpace:/', 'fail', { bundleBytes: null }],
  ['separate /opt is checked on its own', (r) => r.filesystems.push({ mount: '/opt', device: '/dev/sdc1', fsType: 'ext4', sizeBytes: 50e9, freeBytes: 5e9 }), 'freeSpace:/opt', 'fail', { bundleBytes: 10e9 }],
  ['cgroup v1', (r) => (r.cgroupVersion = 1), 'cgroup', 'warn'],
  ['cgroup unknown', (r) => (r.cgroupVersion = null), 'cgroup', 'warn'],
  ['swap on, small (allowed)', (r) => (r.memory.swapTotalBytes = 8 * GiB), 'swap', 'info'],
  ['swap on, medium (kubelet)', (r) => (r.memory.swapTotalBytes = 8 * GiB), 'swap', 'warn', { profile: 'medium' }],
  ['swap off, medium', (r) => (r.memory.swapTotalBytes = 0), 'swap', 'pass', { profile: 'medium' }],
  ['NTP not synchronised', (r) => (r.timeSync.synchronized = false), 'timeSync', 'warn'],
  ['NTP unknown', (r) => (r.timeSync.synchronized = null), 'timeSync', 'warn'],
  ['NTP ignored in lab', (r) => (r.timeSync.synchronized = false), 'timeSync', 'info', { profile: 'lab' }],
  ['clock +999 ms', (r) => (r.timeSync.offsetMs = 999), 'clockOffset', 'pass'],
  ['clock -1000 ms', (r) => (r.timeSync.offsetMs = -1000), 'clockOffset', 'warn'],
  ['clock +5 min', (r) => (r.timeSync.offsetMs = 300_000), 'clockOffset', 'fail'],
  ['clock unknown', (r) => (r.timeSync.offsetMs = null), 'clockOffset', 'warn'],
  ['virtual machine is information', (r) => (r.virtualization = { virtual: true, kind: 'kvm' }), 'virtualization', 'info'],
  ['1 Gb/s link', (r) => (r.nics[0]!.speedMbps = 1000), 'nic.speed', 'pass'],
  ['100 Mb/s link', (r) => (r.nics[0]!.speedMbps = 100), 'nic.speed', 'warn'],
  ['link speed not reported', (r) => (r.nics[0]!.speedMbps = null), 'nic.speed', 'info'],
  ['port 443 used by apache2', (r) => r.listeningPorts.push({ protocol: 'tcp', address: '*', port: 443, process: 'apache2' }), 'ports', 'fail'],
  ['port 443 held by our own docker-proxy (re-run)', (r) => r.listeningPorts.push({ protocol: 'tcp', address: '0.0.0.0', port: 443, process: 'docker-proxy' }), 'ports', 'pass'],
  ['6443 used by an unknown process, medium', (r) => r.listeningPorts.push({ protocol: 'tcp', address: '127.0.0.1', port: 6443, process: null }), 'ports', 'fail', { profile: 'medium' }],
  ['8472/tcp does not block 8472/udp', (r) => r.listeningPorts.push({ protocol: 'tcp', address: '0.0.0.0', port: 8472, process: 'x' }), 'ports', 'pass', { profile: 'medium' }],
  ['ports unreadable', (r) => ((r.listeningPorts = []), r.warnings.push('listeningPorts: ss failed')), 'ports', 'warn'],
];

describe('host checks: pass / warn / fail boundaries', () => {
  it.each(cases)('%s -> %s is %s', (_label, patch, id, status, opts) => {
    const profile = opts?.profile === 'medium' ? medium : opts?.profile === 'lab' ? lab : small;
    const checks = evaluateHost(goodReport('node1', patch), profile, { bundleBytes: opts && 'bundleBytes' in opts ? opts.bundleBytes : 10e9 });
    expect(statusOf(checks, id)).toBe(status);
    const c = checks.find((x) => x.id === id)!;
    // Every warn/fail says what to do; pass/info say nothing.
    if (status === 'warn' || status === 'fail') expect(c.remediation).toMatch(/\w{4,}/);
    else expect(c.remediation).toBeNull();
  });

  it('names the measured and required values and a concrete remediation', () => {
    const c = evaluateHost(goodReport('n', (r) => (r.memory.totalBytes = 32 * GiB)), small).find((x) => x.id === 'memory')!;
    expect(c).toEqual({
      id: 'memory',
      title: 'Memory',
      status: 'warn',
      measured: '32 GiB',
      required: '≥ 32 GiB (recommended 64 GiB)',
      remediation: 'Add about 32 GB of RAM to reach the recommended 64 GiB, or choose the medium tier.',
    });
    const cores = evaluateHost(goodReport('n', (r) => (r.cpu.cores = 4)), small).find((x) => x.id === 'cpu.cores')!;
    expect(cores.remediation).toBe('Use a server with at least 8 physical cores (4 more) or choose the medium tier.');
    const port = evaluateHost(goodReport('n', (r) => r.listeningPorts.push({ protocol: 'tcp', address: '*', port: 80, process: 'apache2' })), small).find((x) => x.id === 'ports')!;
    expect(port.measured).toBe('80/tcp used by apache2');
  });

  it('free space: /var and /opt on one filesystem make one check', () => {
    const checks = evaluateHost(goodReport(), small, { bundleBytes: 10e9 });
    const free = checks.filter((c) => c.id.startsWith('freeSpace:'));
    expect(free.map((c) => [c.id, c.title, c.required])).toEqual([['freeSpace:/', 'Free space for /var, /opt', '≥ 20 GB (bundle 10 GB × 2)']]);
  });

  it('filesystemOf picks the longest mount prefix, not a string prefix', () => {
    const fss = goodReport().filesystems.concat([{ mount: '/var/lib2', device: 'x', fsType: 'ext4', sizeBytes: 1, freeBytes: 1 }]);
    expect(filesystemOf('/var/lib/docker', fss)?.mount).toBe('/var/lib');
    expect(filesystemOf('/var/lib', fss)?.mount).toBe('/var/lib');
    expect(filesystemOf('/var/lib2x', fss)?.mount).toBe('/');
    expect(filesystemOf('/opt', fss)?.mount).toBe('/');
  });
});

describe('cluster checks', () => {
  const three = (patch: (r: HardwareReport, i: number) => void = () => {}) =>
    ['node1', 'node2', 'node3'].map((h, i) => {
      const report = goodReport(h, (r) => patch(r, i));
      return { host: h, report, checks: evaluateHost(report, medium, { bundleBytes: 10e9 }) };
    });

  it('three good nodes pass', () => {
    const c = evaluateCluster(three(), medium, 'k3s-3');
    expect(c.map((x) => [x.id, x.status])).toEqual([
      ['cluster.nodes', 'pass'],
      ['cluster.skew', 'pass'],
      ['cluster.osFamily', 'pass'],
      ['cluster.osRelease', 'pass'],
      ['cluster.arch', 'pass'],
      ['cluster.hostnames', 'pass'],
      ['cluster.bundleSpace', 'pass'],
    ]);
  });

  it.each([
    [2, 'fail'],
    [3, 'pass'],
    [4, 'fail'],
  ] as const)('%i nodes for k3s-3: %s', (n, status) => {
    const members = [...three(), ...three()].slice(0, n).map((m, i) => ({ ...m, host: `n${i}` }));
    expect(statusOf(evaluateCluster(members, medium, 'k3s-3'), 'cluster.nodes')).toBe(status);
  });

  it.each([
    [[0, 400, 999], 'warn'],
    [[0, 200, 499], 'pass'],
    [[-500, 0, 500], 'fail'],
    [[100, 1200, 50], 'fail'],
    [[5000, 5100, 5050], 'pass'],
  ] as const)('offsets %j ms: skew is %s', (offs, status) => {
    const c = evaluateCluster(three((r, i) => (r.timeSync.offsetMs = offs[i]!)), medium, 'k3s-3').find((x) => x.id === 'cluster.skew')!;
    expect(c.status).toBe(status);
  });

  it('skew names the nodes furthest apart', () => {
    const c = evaluateCluster(three((r, i) => (r.timeSync.offsetMs = [100, 1300, 50][i]!)), medium, 'k3s-3').find((x) => x.id === 'cluster.skew')!;
    expect(c.measured).toBe('1.3 s (node2 ahead of node3)');
  });

  it('an unknown clock makes skew a warning', () => {
    expect(statusOf(evaluateCluster(three((r, i) => i === 1 && (r.timeSync.offsetMs = null)), medium, 'k3s-3'), 'cluster.skew')).toBe('warn');
  });

  it('mixed OS family or architecture fail; mixed release warns; duplicate hostnames fail', () => {
    const c = evaluateCluster(
      three((r, i) => {
        if (i === 2) {
          r.os.family = 'debian';
          r.os.release = '12';
          r.cpu.arch = 'aarch64';
        }
        r.hostname = 'localhost';
      }),
      medium,
      'k3s-3',
    );
    expect(statusOf(c, 'cluster.osFamily')).toBe('fail');
    expect(c.find((x) => x.id === 'cluster.osFamily')!.measured).toBe('ubuntu on node1, node2; debian on node3');
    expect(c.find((x) => x.id === 'cluster.osRelease')).toBeUndefined();
    expect(statusOf(c, 'cluster.arch')).toBe('fail');
    expect(statusOf(c, 'cluster.hostnames')).toBe('fail');
    const rel = evaluateCluster(three((r, i) => i === 0 && (r.os.release = '22.04')), medium, 'k3s-3');
    expect(statusOf(rel, 'cluster.osRelease')).toBe('warn');
  });

  it('bundle space summarises the nodes short of room', () => {
    const members = three((r, i) => i === 1 && (r.filesystems[0]!.freeBytes = 5e9));
    const c = evaluateCluster(members, medium, 'k3s-3').find((x) => x.id === 'cluster.bundleSpace')!;
    expect(c).toMatchObject({ status: 'fail', measured: 'short on node2' });
  });

  it('single topology: exactly one server, no K3s checks', () => {
    const one = [{ host: 'srv', report: goodReport('srv'), checks: [] }];
    expect(evaluateCluster(one, small, 'single').map((c) => [c.id, c.status])).toEqual([['cluster.nodes', 'pass']]);
    expect(statusOf(evaluateCluster([...one, { ...one[0]!, host: 'b' }], small, 'single'), 'cluster.nodes')).toBe('fail');
  });
});

describe('site verdict', () => {
  it('is the worst of every check, and a host that was not probed fails', () => {
    const v = sizeSite({
      profile: medium,
      topology: 'k3s-3',
      bundleBytes: 10e9,
      hosts: [
        { host: 'node1', report: goodReport('node1'), error: null },
        { host: 'node2', report: goodReport('node2', (r) => (r.disks[0]!.kind = 'ssd')), error: null },
        { host: 'node3', report: null, error: { code: 'UNREACHABLE', message: 'node3 (10.0.0.3:22): connection refused' } },
      ],
    });
    expect(SiteSizing.parse(v)).toEqual(v);
    expect(v.hosts.map((h) => h.verdict)).toEqual(['pass', 'warn', 'fail']);
    expect(v.hosts[2]!.checks).toEqual([expect.objectContaining({ id: 'probe', status: 'fail', measured: 'node3 (10.0.0.3:22): connection refused' })]);
    expect(statusOf(v.cluster, 'cluster.probed')).toBe('fail');
    expect(v.verdict).toBe('fail');
    expect(v.profile).toEqual({ name: 'medium-k3s-3', title: expect.stringContaining('Medium tier'), production: true, banner: null });
    expect(v.notes[0]).toMatch(/Large tier \(200\+ beds\).*out of scope/);
  });

  it('a warn-only site is warn; an all-pass site is pass', () => {
    const hosts = (patch: (r: HardwareReport) => void) => ['a', 'b', 'c'].map((h) => ({ host: h, report: goodReport(h, patch), error: null }));
    expect(sizeSite({ profile: medium, topology: 'k3s-3', hosts: hosts(() => {}), bundleBytes: 1e9 }).verdict).toBe('pass');
    expect(sizeSite({ profile: medium, topology: 'k3s-3', hosts: hosts((r) => (r.cgroupVersion = 1)), bundleBytes: 1e9 }).verdict).toBe('warn');
  });

  it('a relaxed profile prints that it is not the production sizing', () => {
    const v = sizeSite({ profile: lab, topology: 'k3s-3', hosts: [{ host: 'a', report: goodReport('a'), error: null }] });
    expect(v.profile.banner).toBe('profile: lab — NOT the production sizing');
    expect(v.profile.production).toBe(false);
  });

  it('worst() ranks fail > warn > pass = info', () => {
    expect(worst([])).toBe('pass');
    expect(worst(['info', 'pass'])).toBe('pass');
    expect(worst(['info', 'warn', 'pass'])).toBe('warn');
    expect(worst(['warn', 'fail'])).toBe('fail');
  });
});
