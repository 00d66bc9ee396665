import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProcNet, parseSs } from './listening-ports.js';
import { splitProbeOutput } from './probe-output.js';
import { eccFromDmidecode, parentDisk, parseLsblkPairs, parseMdstat, parseProbe } from './probe-parse.js';
import { HardwareReport } from './schema.js';

const BARE = readFileSync(new URL('./fixtures/bare-metal.txt', import.meta.url), 'utf8');
const ctx = { host: 'node1', collectedAt: '2026-11-22T12:00:00.000Z', clockOffsetMs: 12.5 };

/** Edits the fixture: drop sections, add lines (as the script would print them). */
function variant(text: string, drop: string[], add: string[] = []): string {
  let out = text;
  for (const name of drop) {
    const re = new RegExp(`@M begin ${name.replace(/[/]/g, '\\/')}\\n[\\s\\S]*?@M end ${name.replace(/[/]/g, '\\/')} -?\\d+\\n`);
    expect(re.test(out), `fixture has section ${name}`).toBe(true);
    out = out.replace(re, '');
  }
  return out.replace('@M done', [...add, '@M done'].join('\n'));
}

const parse = (stdout: string, stderr = '') => parseProbe(splitProbeOutput(stdout, stderr, '@M'), ctx);

describe('parseProbe on a bare-metal server', () => {
  const r = parse(BARE);

  it('is a valid HardwareReport from ssh with no warnings', () => {
    expect(HardwareReport.parse(r)).toEqual(r);
    expect(r.source).toBe('ssh');
    expect(r.hostname).toBe('erp-node1');
    expect(r.warnings).toEqual([]);
  });

  it('counts physical cores per socket, threads and sockets', () => {
    expect(r.cpu).toMatchObject({ cores: 4, threads: 8, sockets: 2, vendor: 'Intel', arch: 'x86_64', x86_64_v2: true, mhz: 2400 });
    expect(r.cpu.model).toContain('Xeon(R) Silver 4210R');
  });

  it('reads memory, swap and ECC from the system memory array only', () => {
    expect(r.memory).toEqual({ totalBytes: 65534012 * 1024, ecc: 'yes', swapTotalBytes: 8388604 * 1024 });
  });

  it('lists disks with kind, transport, decoded model and RAID membership; skips loop devices', () => {
    expect(r.disks.map((d) => [d.name, d.kind, d.transport, d.raidMemberOf])).toEqual([
      ['nvme0n1', 'nvme', 'nvme', 'md0'],
      ['nvme1n1', 'nvme', 'nvme', 'md0'],
      ['sda', 'hdd', 'sas', null],
    ]);
    expect(r.disks[0]!.model).toBe('Dell Ent NVMe P5600');
    expect(r.raidArrays).toEqual([{ name: 'md0', level: 'raid1', members: ['nvme1n1p2', 'nvme0n1p2'], sizeBytes: 935546880 * 1024 }]);
  });

  it('maps each filesystem to its mount and the disks under it (through LVM and md)', () => {
    expect(r.filesystems).toEqual([
      { mount: '/', device: '/dev/mapper/vg0-root', fsType: 'ext4', sizeBytes: 492e9, freeBytes: 450e9, disks: ['nvme0n1', 'nvme1n1'] },
      { mount: '/var/lib', device: '/dev/sda1', fsType: 'xfs', sizeBytes: 3990e9, freeBytes: 3980e9, disks: ['sda'] },
    ]);
  });

  it('reads NICs: state, speed (-1 = unknown), MAC, addresses, physical vs virtual', () => {
    const byName = Object.fromEntries(r.nics.map((n) => [n.name, n]));
    expect(byName.eno1).toEqual({ name: 'eno1', mac: 'b0:26:28:00:00:01', addresses: ['192.168.10.10/24', 'fe80::b226:28ff:fe00:1/64'], speedMbps: 10000, up: true, virtual: false });
    expect(byName.eno2).toMatchObject({ speedMbps: null, up: false, virtual: false, addresses: [] });
    expect(byName.lo).toMatchObject({ mac: null, up: null, virtual: true });
  });

  it('reads OS, virtualization, time sync, cgroup, LSMs and listening ports', () => {
    expect(r.os).toEqual({ family: 'ubuntu', distro: 'Ubuntu 24.04.1 LTS', release: '24.04', codename: 'noble', kernel: '6.8.0-45-generic', arch: 'x86_64' });
    expect(r.virtualization).toEqual({ virtual: false, kind: null });
    expect(r.timeSync).toEqual({ synchronized: true, offsetMs: 12.5, service: { name: 'chrony', state: 'active' } });
    expect(r.initSystem).toBe('systemd');
    expect(r.cgroupVersion).toBe(2);
    expect(r.security).toEqual({ selinux: 'absent', apparmor: 'enabled' });
    expect(r.listeningPorts).toEqual([
      { protocol: 'udp', address: '127.0.0.53', port: 53, process: 'systemd-resolve' },
      { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' },
      { protocol: 'tcp', address: '::', port: 22, process: 'sshd' },
      { protocol: 'tcp', address: '*', port: 80, process: 'apache2' },
    ]);
  });
});

describe('parseProbe on a degraded host', () => {
  const SYSBLOCK = [
    '@M begin sysblock',
    '/sys/block/sda/size:937703088',
    '/sys/block/loop0/size:1000',
    '/sys/block/sda/queue/rotational:0',
    '/sys/block/sda/device/model:Samsung SSD 870',
    '@M end sysblock 0',
  ];
  const PROCNET = ['@M begin proc-net-tcp', '  sl  local_address rem_address   st tx_queue rx_queue', '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1', '@M end proc-net-tcp 0'];

  it('without lsblk, dmidecode, ss, ip, timedatectl: every field still present, one warning each', () => {
    const text = variant(BARE, ['lsblk', 'dmidecode', 'ss', 'ipaddr', 'timedatectl'], ['@M missing lsblk', ...SYSBLOCK, '@M missing dmidecode', '@M missing ss', ...PROCNET, '@M missing ip', '@M missing timedatectl']);
    const r = parse(text);
    expect(HardwareReport.safeParse(r).success).toBe(true);
    expect(r.disks).toEqual([{ name: 'sda', model: 'Samsung SSD 870', sizeBytes: 937703088 * 512, kind: 'ssd', rotational: false, transport: null, raidMemberOf: null }]);
    expect(r.memory.ecc).toBe('unknown');
    expect(r.listeningPorts).toEqual([{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: null }]);
    expect(r.nics.find((n) => n.name === 'eno1')!.addresses).toEqual([]);
    expect(r.timeSync.synchronized).toBeNull();
    // One warning per degraded field, each naming the field and the missing tool.
    const fields = r.warnings.map((w) => w.split(':')[0]);
    expect(fields.sort()).toEqual(['disks', 'listeningPorts', 'memory.ecc', 'nics.addresses', 'timeSync.synchronized']);
    expect(r.warnings.find((w) => w.startsWith('disks'))).toContain('lsblk is not installed');
    expect(r.warnings.find((w) => w.startsWith('memory.ecc'))).toContain('dmidecode is not installed');
    // The rest is untouched.
    expect(r.cpu.cores).toBe(4);
    expect(r.memory.totalBytes).toBe(65534012 * 1024);
  });

  it('as a user without sudo: ECC unknown with a warning naming root', () => {
    const r = parse(variant(BARE, ['dmidecode'], ['@M note dmidecode-needs-root']));
    expect(r.memory.ecc).toBe('unknown');
    expect(r.warnings).toEqual(['memory.ecc: unknown: dmidecode needs root and this user has no passwordless sudo']);
  });

  it('dmidecode that cannot read SMBIOS (container) says so', () => {
    const text = variant(BARE, ['dmidecode'], ['@M begin dmidecode', '# dmidecode 3.4', 'Scanning /dev/mem for entry point.', '@M end dmidecode 1']);
    const r = parse(text, '@M stderr dmidecode\n/dev/mem: No such file or directory\n');
    expect(r.warnings).toEqual(['memory.ecc: unknown: dmidecode could not read the SMBIOS tables (/dev/mem: No such file or directory); typical in a container or VM']);
  });

  it('a timed-out read is reported as such', () => {
    const text = variant(BARE, ['df:/var/lib'], ['@M begin df:/var/lib', '@M end df:/var/lib 124']);
    const r = parse(text);
    expect(r.warnings).toEqual(['filesystems: df /var/lib timed out after 10 s']);
    expect(r.filesystems.map((f) => f.mount)).toEqual(['/']);
  });

  it('output cut off before the end is flagged', () => {
    const cut = BARE.slice(0, BARE.indexOf('@M begin netsys'));
    const r = parse(cut);
    expect(r.warnings[0]).toMatch(/^probe: output was cut off/);
    expect(r.cpu.cores).toBe(4);
    expect(r.nics).toEqual([]);
  });

  it('falls back to sysfs topology where cpuinfo has no core ids (arm64)', () => {
    const arm = variant(BARE, ['cpuinfo', 'cpuflags', 'uname'], [
      '@M begin uname', '6.8.0 aarch64', '@M end uname 0',
      '@M begin cpuinfo', 'processor\t: 0', 'CPU implementer\t: 0x41', 'CPU part\t: 0xd0c', 'processor\t: 1', 'CPU implementer\t: 0x41', '@M end cpuinfo 0',
      '@M begin cputopo', '/sys/devices/system/cpu/cpu0/topology/core_id:0', '/sys/devices/system/cpu/cpu1/topology/core_id:1',
      '/sys/devices/system/cpu/cpu0/topology/physical_package_id:0', '/sys/devices/system/cpu/cpu1/topology/physical_package_id:0', '@M end cputopo 0',
    ]);
    const r = parse(arm);
    expect(r.cpu).toMatchObject({ arch: 'aarch64', cores: 2, threads: 2, sockets: 1, x86_64_v2: null, model: 'CPU part 0xd0c' });
  });

  it('virtualization from the hypervisor flag and DMI when systemd-detect-virt is missing', () => {
    const text = variant(BARE, ['virt', 'cpuflags', 'dmi-id'], [
      '@M missing systemd-detect-virt',
      '@M begin cpuflags', 'flags\t\t: fpu sse4_2 hypervisor', '@M end cpuflags 0',
      '@M begin dmi-id', '/sys/class/dmi/id/product_name:VMware Virtual Platform', '@M end dmi-id 0',
    ]);
    expect(parse(text).virtualization).toEqual({ virtual: true, kind: 'VMware Virtual Platform' });
  });

  it('time sync service: condition-skipped timesyncd (a container), masked, none installed, no systemctl', () => {
    const units = (lines: string[]) => variant(BARE, ['timeunits'], ['@M begin timeunits', ...lines, '@M end timeunits 0']);
    const skipped = units(['Id=systemd-timesyncd.service', 'LoadState=loaded', 'ActiveState=inactive', 'SubState=dead', 'ConditionResult=no', '', 'Id=chrony.service', 'LoadState=not-found', 'ActiveState=inactive']);
    expect(parse(skipped).timeSync.service).toEqual({ name: 'systemd-timesyncd', state: 'condition-skipped' });
    expect(parse(units(['Id=systemd-timesyncd.service', 'LoadState=masked', 'ActiveState=inactive'])).timeSync.service).toEqual({ name: 'systemd-timesyncd', state: 'masked' });
    expect(parse(units(['Id=systemd-timesyncd.service', 'LoadState=not-found', '', 'Id=ntp.service', 'LoadState=not-found'])).timeSync.service).toEqual({ name: null, state: 'not-installed' });
    const noSystemctl = variant(BARE, ['timeunits', 'init'], ['@M missing systemctl', '@M begin init', 'tini', '@M end init 0']);
    expect(parse(noSystemctl).timeSync.service).toBeNull();
    expect(parse(noSystemctl).initSystem).toBe('tini');
  });

  it('time sync from chrony or ntpq when timedatectl has no answer', () => {
    const chrony = variant(BARE, ['timedatectl'], ['@M begin chronyc', 'Reference ID    : C0A80001 (ntp.hospital)', 'Leap status     : Not synchronised', '@M end chronyc 0']);
    expect(parse(chrony.replace('@M missing chronyc\n', '')).timeSync.synchronized).toBe(false);
    const ntpq = variant(BARE, ['timedatectl'], ['@M begin ntpq', '     remote           refid      st t when poll reach   delay   offset  jitter', '*192.168.100.5   .GPS.            1 u   33   64  377    0.412   -0.021   0.011', '@M end ntpq 0']);
    expect(parse(ntpq.replace('@M missing ntpq\n', '')).timeSync.synchronized).toBe(true);
  });
});

describe('probe output framing', () => {
  it('ignores lines that imitate another marker and attaches stderr to its section', () => {
    const out = splitProbeOutput('@M begin a\n@X end a 0\nline\n\n@M end a 3\n@M done\n', '@M stderr a\nboom\n', '@M');
    expect(out.sections.get('a')).toEqual({ lines: ['@X end a 0', 'line'], rc: 3, stderr: 'boom' });
    expect(out.complete).toBe(true);
  });
});

describe('field parsers', () => {
  it.each([
    [['Use: System Memory', 'Error Correction Type: Single-bit ECC'], 'yes'],
    [['Use: System Memory', 'Error Correction Type: CRC'], 'yes'],
    [['Use: System Memory', 'Error Correction Type: None'], 'no'],
    [['Use: System Memory', 'Error Correction Type: Parity'], 'no'],
    [['Use: Video Memory', 'Error Correction Type: Multi-bit ECC'], 'unknown'],
    [['Use: System Memory', 'Error Correction Type: Unknown'], 'unknown'],
    [[], 'unknown'],
  ] as const)('ECC from %j is %s', (lines, want) => {
    expect(eccFromDmidecode([...lines])).toBe(want);
  });

  it('parentDisk', () => {
    expect(['sda1', 'nvme0n1p2', 'mmcblk0p1', 'vdb3'].map(parentDisk)).toEqual(['sda', 'nvme0n1', 'mmcblk0', 'vdb']);
  });

  it('lsblk pairs with escapes and empty values', () => {
    expect(parseLsblkPairs('NAME="sda" MODEL="WDC\\x20WD40\\x22x" TRAN=""')).toEqual({ NAME: 'sda', MODEL: 'WDC WD40"x', TRAN: '' });
  });

  it('mdstat with auto-read-only and a failed member', () => {
    expect(parseMdstat(['md127 : active (auto-read-only) raid5 sdc[2] sdb[1](F) sda[0]', '      1953260544 blocks super 1.2 level 5'])).toEqual([
      { name: 'md127', level: 'raid5', members: ['sdc', 'sdb', 'sda'], sizeBytes: 1953260544 * 1024 },
    ]);
  });

  it('/proc/net tables, IPv4 and IPv6, listening only', () => {
    const tcp6 = ['   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0', '   1: 00000000000000000000000001000000:0CEA 00000000000000000000000000000000:0000 0A 0', '   2: 0000000000000000FFFF00000100007F:0016 0000000000000000FFFF00000200007F:1234 01 0'];
    expect(parseProcNet(tcp6, 'tcp', true)).toEqual([
      { protocol: 'tcp', address: '::', port: 8080, process: null },
      { protocol: 'tcp', address: '::1', port: 3306, process: null },
    ]);
    expect(parseProcNet(['   5: 3500007F:0035 00000000:0000 07 0'], 'udp', false)).toEqual([{ protocol: 'udp', address: '127.0.0.53', port: 53, process: null }]);
  });

  it('ss: skips non-listening tcp and the header', () => {
    expect(parseSs(['Netid State Recv-Q', 'tcp ESTAB 0 0 10.0.0.1:22 10.0.0.2:5555'])).toEqual([]);
  });
});
