import { parseProcNet, parseSs } from './listening-ports.js';
import type { ProbeOutput, ProbeSection } from './probe-output.js';
import type { CpuInfo, DiskInfo, FilesystemInfo, HardwareReport, MemoryInfo, NicInfo } from './schema.js';
import { supportsX86_64_v2 } from './x86-level.js';

export interface ParseContext {
  /** The site host name (what the engineer calls it), not necessarily the remote hostname. */
  host: string;
  collectedAt: string;
  /** Clock offset to this machine, measured separately (remote minus local), or null. */
  clockOffsetMs: number | null;
}

/**
 * Turns the probe's raw sections into a HardwareReport. Each field is parsed on its own; a
 * section that is missing or failed leaves its field null/empty and adds one warning that names
 * the field and the reason, so the report is complete on any host the probe ran on.
 */
export function parseProbe(out: ProbeOutput, ctx: ParseContext): HardwareReport {
  const warnings: string[] = [];
  const warn = (field: string, why: string) => warnings.push(`${field}: ${why}`);
  if (!out.complete) warn('probe', 'output was cut off before the end; later fields may be missing');

  const uname = ok(out, 'uname')?.lines.join(' ').trim().split(/\s+/) ?? [];
  const kernel = uname[0] ?? 'unknown';
  const arch = uname[1] ?? 'unknown';
  if (!uname.length) warn('os.kernel', failure(out, 'uname'));

  const cpu = parseCpu(out, arch, warn);
  const memory = parseMemory(out, warn);
  const { disks, raidArrays, mountDisks } = parseDisks(out, warn);
  const filesystems = parseFilesystems(out, warn);
  for (const fs of filesystems) {
    const under = mountDisks.get(fs.mount) ?? disksFromDevice(fs.device, disks, raidArrays);
    if (under.length) fs.disks = under;
  }
  const nics = parseNics(out, warn);
  const osRelease = parseKeyValues(ok(out, 'os-release')?.lines ?? []);
  if (!ok(out, 'os-release')) warn('os', '/etc/os-release not readable; distribution unknown');

  const identity = parseKeyValues(ok(out, 'identity')?.lines ?? []);

  return {
    host: ctx.host,
    source: 'ssh',
    collectedAt: ctx.collectedAt,
    cpu,
    memory,
    disks,
    raidArrays,
    filesystems,
    nics,
    os: {
      family: (osRelease.ID ?? 'unknown').toLowerCase(),
      distro: osRelease.PRETTY_NAME ?? osRelease.NAME ?? 'unknown',
      release: osRelease.VERSION_ID ?? 'unknown',
      codename: osRelease.VERSION_CODENAME || null,
      kernel,
      arch,
    },
    virtualization: parseVirtualization(out, cpu.arch, warn),
    initSystem: ok(out, 'init')?.lines[0]?.trim() || null,
    timeSync: { synchronized: parseTimeSync(out, warn), offsetMs: ctx.clockOffsetMs, service: parseTimeService(out) },
    cgroupVersion: parseCgroup(out, warn),
    security: parseSecurity(out),
    listeningPorts: parsePorts(out, warn),
    ...(identity.hostname ? { hostname: identity.hostname } : {}),
    warnings,
  };
}

/** The section when the read succeeded (rc 0) and printed something. */
function ok(out: ProbeOutput, name: string): ProbeSection | undefined {
  const s = out.sections.get(name);
  return s && s.rc === 0 && s.lines.length > 0 ? s : undefined;
}

/** Why a section gave nothing, in words. */
function failure(out: ProbeOutput, name: string, tool?: string): string {
  if (tool && out.missing.has(tool)) return `${tool} is not installed`;
  const s = out.sections.get(name);
  if (!s) return 'not read';
  if (s.rc === 124) return 'timed out after 10 s';
  const err = s.stderr.split('\n')[0]?.trim();
  return err ? `failed (${err})` : s.rc === 0 ? 'empty output' : `failed with exit status ${s.rc}`;
}

export function parseKeyValues(lines: string[]): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const line of lines) {
    const m = line.match(/^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (m) kv[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return kv;
}

type Warn = (field: string, why: string) => void;

function parseCpu(out: ProbeOutput, arch: string, warn: Warn): CpuInfo {
  // cpuinfo: one block per logical CPU, each starting at "processor".
  const blocks: Record<string, string>[] = [];
  for (const line of out.sections.get('cpuinfo')?.lines ?? []) {
    const m = line.match(/^([^:]+?)\s*:\s*(.*)$/);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'processor') blocks.push({});
    const b = blocks[blocks.length - 1];
    if (b) b[key] = value;
    else if (key === 'Hardware') blocks.push({ Hardware: value });
  }
  const cpus = blocks.filter((b) => b.processor !== undefined);

  // Topology from sysfs: cpuN -> { core, pkg }.
  const topo = new Map<string, { core?: string; pkg?: string }>();
  for (const line of out.sections.get('cputopo')?.lines ?? []) {
    const m = line.match(/\/cpu(\d+)\/topology\/(core_id|physical_package_id):(.*)$/);
    if (!m) continue;
    const t = topo.get(m[1]!) ?? {};
    if (m[2] === 'core_id') t.core = m[3]!.trim();
    else t.pkg = m[3]!.trim();
    topo.set(m[1]!, t);
  }

  const nproc = Number(ok(out, 'nproc')?.lines[0]);
  let threads = cpus.length || topo.size || (Number.isInteger(nproc) ? nproc : 0);
  if (!threads) {
    warn('cpu', 'no processor listed in /proc/cpuinfo or sysfs');
    threads = 0;
  }

  let cores = 0;
  let sockets: number | null = null;
  const withIds = cpus.filter((c) => c['core id'] !== undefined);
  if (withIds.length === cpus.length && cpus.length > 0) {
    cores = new Set(withIds.map((c) => `${c['physical id'] ?? '0'}/${c['core id']}`)).size;
    sockets = new Set(withIds.map((c) => c['physical id'] ?? '0')).size;
  } else if (topo.size > 0) {
    const entries = [...topo.values()];
    cores = new Set(entries.map((t) => `${t.pkg ?? '0'}/${t.core ?? '?'}`)).size;
    sockets = new Set(entries.map((t) => t.pkg ?? '0')).size;
  } else if (threads) {
    cores = threads;
    warn('cpu.cores', 'no core ids in /proc/cpuinfo or sysfs; counted logical CPUs as cores');
  }

  const first = cpus[0] ?? {};
  const vendorId = first.vendor_id ?? first['CPU implementer'] ?? null;
  const flagsLine = ok(out, 'cpuflags')?.lines[0] ?? '';
  const flags = flagsLine.replace(/^[^:]*:\s*/, '').split(/\s+/).filter(Boolean);
  const x86 = /^(x86_64|amd64)$/i.test(arch);
  if (x86 && !flags.length) warn('cpu.x86_64_v2', 'CPU flags not readable');
  const mhz = Number(first['cpu MHz']);

  return {
    model: first['model name'] ?? blocks.find((b) => b.Hardware)?.Hardware ?? (first['CPU part'] ? `CPU part ${first['CPU part']}` : 'unknown'),
    vendor: vendorId === 'GenuineIntel' ? 'Intel' : vendorId === 'AuthenticAMD' ? 'AMD' : vendorId,
    arch,
    cores,
    threads,
    sockets,
    x86_64_v2: x86 && !flags.length ? null : supportsX86_64_v2(arch, flags),
    mhz: Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz) : null,
  };
}

function parseMemory(out: ProbeOutput, warn: Warn): MemoryInfo {
  const kb = (key: string): number | null => {
    for (const line of ok(out, 'meminfo')?.lines ?? []) {
      const m = line.match(/^(\w+):\s+(\d+)\s*kB/);
      if (m && m[1] === key) return Number(m[2]) * 1024;
    }
    return null;
  };
  const total = kb('MemTotal');
  if (total === null) warn('memory', `/proc/meminfo ${failure(out, 'meminfo')}`);
  return { totalBytes: total ?? 0, ecc: parseEcc(out, warn), swapTotalBytes: kb('SwapTotal') };
}

/**
 * ECC from SMBIOS type 16 "Error Correction Type". Single-/multi-bit ECC and CRC correct
 * errors; "None" and "Parity" (detects, cannot correct) do not; anything else is unknown.
 */
export function eccFromDmidecode(lines: string[]): 'yes' | 'no' | 'unknown' {
  const values: string[] = [];
  let use: string | null = null;
  for (const line of lines) {
    const t = line.trim();
    if (/^Handle /.test(t)) use = null;
    const u = t.match(/^Use:\s*(.*)$/);
    if (u) use = u[1]!;
    const e = t.match(/^Error Correction Type:\s*(.*)$/);
    // Only arrays that hold system RAM (not video or flash memory) count.
    if (e && (use === null || /system memory/i.test(use))) values.push(e[1]!.trim());
  }
  if (values.some((v) => /ecc|crc/i.test(v))) return 'yes';
  if (values.length > 0 && values.every((v) => /^(none|parity)$/i.test(v))) return 'no';
  return 'unknown';
}

function parseEcc(out: ProbeOutput, warn: Warn): 'yes' | 'no' | 'unknown' {
  if (out.missing.has('dmidecode')) {
    warn('memory.ecc', 'dmidecode is not installed, so ECC is unknown (install the dmidecode package)');
    return 'unknown';
  }
  if (out.notes.includes('dmidecode-needs-root')) {
    warn('memory.ecc', 'unknown: dmidecode needs root and this user has no passwordless sudo');
    return 'unknown';
  }
  const s = out.sections.get('dmidecode');
  if (!s) {
    warn('memory.ecc', 'dmidecode was not run');
    return 'unknown';
  }
  const ecc = eccFromDmidecode(s.lines);
  if (ecc === 'unknown') {
    const err = s.stderr.split('\n').find((l) => l.trim() && !l.startsWith('#'))?.trim();
    if (s.rc !== 0) warn('memory.ecc', `unknown: dmidecode could not read the SMBIOS tables${err ? ` (${err})` : ''}; typical in a container or VM`);
    else warn('memory.ecc', 'unknown: SMBIOS does not say whether the memory has ECC (typical in a VM)');
  }
  return ecc;
}

const IGNORED_DISK = /^(loop|zram|ram|sr|fd|md|dm-|nbd)/;

function diskKind(name: string, rotational: boolean | null, transport: string | null): DiskInfo['kind'] {
  if (name.startsWith('nvme') || transport === 'nvme') return 'nvme';
  // Virtio/Xen disks report whatever the hypervisor says; their rotational flag says nothing
  // about the storage behind them.
  if (/^(vd|xvd)/.test(name)) return 'virtual';
  if (rotational === true) return 'hdd';
  if (rotational === false) return 'ssd';
  return 'unknown';
}

/** "sda1" -> "sda", "nvme0n1p2" -> "nvme0n1", "mmcblk0p1" -> "mmcblk0". */
export function parentDisk(part: string): string {
  const m = part.match(/^(nvme\d+n\d+|mmcblk\d+)p\d+$/);
  if (m) return m[1]!;
  return part.replace(/\d+$/, '');
}

/** Parses one lsblk -P line: KEY="value" pairs, with \xNN escapes inside values. */
export function parseLsblkPairs(line: string): Record<string, string> {
  const rec: Record<string, string> = {};
  for (const m of line.matchAll(/([A-Z0-9:_-]+)="((?:[^"\\]|\\.)*)"/g)) {
    rec[m[1]!] = m[2]!.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).trim();
  }
  return rec;
}

/** /proc/mdstat: "md0 : active raid1 sdb1[1] sda1[0]" then "  976630464 blocks ...". */
export function parseMdstat(lines: string[]): { name: string; level: string; members: string[]; sizeBytes: number | null }[] {
  const arrays: { name: string; level: string; members: string[]; sizeBytes: number | null }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i]!.match(/^(md\S+)\s*:\s*(\S+)\s+(.*)$/);
    if (!m) continue;
    const words = m[3]!.split(/\s+/);
    // "active raid1 sda1[0]" or "active (auto-read-only) raid1 ...": the level is the first raidN/linear word.
    const level = words.find((w) => /^(raid\d+|linear|multipath|faulty)$/.test(w)) ?? 'unknown';
    const members = words.filter((w) => /\[\d+\]/.test(w)).map((w) => w.replace(/\[\d+\].*$/, ''));
    const blocks = lines[i + 1]?.match(/^\s+(\d+)\s+blocks/);
    arrays.push({ name: m[1]!, level, members, sizeBytes: blocks ? Number(blocks[1]) * 1024 : null });
  }
  return arrays;
}

/**
 * Without lsblk's tree: /dev/sda2 -> sda, /dev/md0 -> its members' disks. LVM (/dev/mapper/...)
 * cannot be resolved this way and gives no answer.
 */
function disksFromDevice(device: string, disks: DiskInfo[], raids: HardwareReport['raidArrays']): string[] {
  const name = device.replace(/^\/dev\//, '');
  const known = new Set(disks.map((d) => d.name));
  if (known.has(name)) return [name];
  const md = raids.find((a) => a.name === name);
  if (md) return [...new Set(md.members.map(parentDisk).filter((d) => known.has(d)))];
  const parent = parentDisk(name);
  return known.has(parent) ? [parent] : [];
}

function parseDisks(out: ProbeOutput, warn: Warn): { disks: DiskInfo[]; raidArrays: HardwareReport['raidArrays']; mountDisks: Map<string, string[]> } {
  const disks: DiskInfo[] = [];
  // Several parents per device: an md array or an LV spanning PVs appears once per parent.
  const parentsOf = new Map<string, Set<string>>();
  const mountDevs = new Map<string, Set<string>>();
  const raidOf = new Map<string, string>();
  const lsblk = ok(out, 'lsblk');

  if (lsblk) {
    for (const line of lsblk.lines) {
      const r = parseLsblkPairs(line);
      const name = r.KNAME || r.NAME;
      if (!name) continue;
      if (r.PKNAME) parentsOf.set(name, (parentsOf.get(name) ?? new Set()).add(r.PKNAME));
      if (r.MOUNTPOINT) mountDevs.set(r.MOUNTPOINT, (mountDevs.get(r.MOUNTPOINT) ?? new Set()).add(name));
      if (/^raid/.test(r.TYPE ?? '') && r.PKNAME) raidOf.set(r.PKNAME, name);
      if (r.TYPE !== 'disk' || IGNORED_DISK.test(name)) continue;
      const size = Number(r.SIZE);
      if (!(size > 0)) continue;
      const rotational = r.ROTA === '1' ? true : r.ROTA === '0' ? false : null;
      const transport = r.TRAN || null;
      disks.push({ name, model: r.MODEL || null, sizeBytes: size, kind: diskKind(name, rotational, transport), rotational, transport, raidMemberOf: null });
    }
  } else {
    // Fallback: sysfs. Sizes are in 512-byte sectors whatever the device's block size.
    const info = new Map<string, { size?: number; rota?: string; model?: string }>();
    for (const line of ok(out, 'sysblock')?.lines ?? out.sections.get('sysblock')?.lines ?? []) {
      const m = line.match(/^\/sys\/block\/([^/]+)\/(size|queue\/rotational|device\/model|removable):(.*)$/);
      if (!m) continue;
      const d = info.get(m[1]!) ?? {};
      if (m[2] === 'size') d.size = Number(m[3]) * 512;
      else if (m[2] === 'queue/rotational') d.rota = m[3]!.trim();
      else if (m[2] === 'device/model') d.model = m[3]!.trim();
      info.set(m[1]!, d);
    }
    for (const [name, d] of info) {
      if (IGNORED_DISK.test(name) || !(d.size && d.size > 0)) continue;
      const rotational = d.rota === '1' ? true : d.rota === '0' ? false : null;
      disks.push({ name, model: d.model || null, sizeBytes: d.size, kind: diskKind(name, rotational, null), rotational, transport: name.startsWith('nvme') ? 'nvme' : null, raidMemberOf: null });
    }
    warn('disks', `lsblk ${failure(out, 'lsblk', 'lsblk')}; read /sys/block instead (no transport, partitions or RAID detail from lsblk)`);
  }

  // md members from sysfs: /sys/block/md0/slaves lists sda1, sdb1.
  let slavesOf: string | null = null;
  for (const line of out.sections.get('sysblock-slaves')?.lines ?? []) {
    const head = line.match(/^\/sys\/block\/([^/]+)\/slaves:$/);
    if (head) {
      slavesOf = head[1]!;
      continue;
    }
    if (slavesOf && /^md/.test(slavesOf) && line.trim()) raidOf.set(line.trim(), slavesOf);
  }

  const mdstat = out.sections.get('mdstat');
  const raidArrays = mdstat && mdstat.rc === 0 ? parseMdstat(mdstat.lines) : [];
  for (const a of raidArrays) for (const m of a.members) raidOf.set(m, a.name);

  // Walk up partitions, LVM and md to the whole disks under a device.
  const diskNames = new Set(disks.map((d) => d.name));
  const disksUnder = (dev: string, depth = 0): string[] => {
    if (diskNames.has(dev)) return [dev];
    const parents = parentsOf.get(dev);
    if (!parents || depth > 8) {
      const p = parentDisk(dev);
      return diskNames.has(p) ? [p] : [];
    }
    return [...new Set([...parents].flatMap((p) => disksUnder(p, depth + 1)))];
  };
  for (const [member, array] of raidOf) {
    for (const name of disksUnder(member)) {
      const disk = disks.find((x) => x.name === name);
      if (disk) disk.raidMemberOf = array;
    }
  }
  const mountDisks = new Map<string, string[]>();
  for (const [mount, devs] of mountDevs) {
    const under = [...new Set([...devs].flatMap((d) => disksUnder(d)))];
    if (under.length) mountDisks.set(mount, under);
  }
  if (!disks.length) warn('disks', 'no disks found');
  return { disks, raidArrays, mountDisks };
}

function parseFilesystems(out: ProbeOutput, warn: Warn): FilesystemInfo[] {
  if (out.missing.has('df')) {
    warn('filesystems', 'df is not installed; free space unknown');
    return [];
  }
  const byMount = new Map<string, FilesystemInfo>();
  for (const [name, s] of out.sections) {
    if (!name.startsWith('df:')) continue;
    if (s.rc !== 0) {
      warn('filesystems', `df ${name.slice(3)} ${failure(out, name)}`);
      continue;
    }
    for (const line of s.lines) {
      const f = line.trim().split(/\s+/);
      if (f.length < 7 || !/^\d+$/.test(f[2]!)) continue;
      // "Filesystem Type 1-blocks Used Available Capacity Mounted-on" (mount may contain spaces).
      const mount = f.slice(6).join(' ');
      byMount.set(mount, { mount, device: f[0]!, fsType: f[1]!, sizeBytes: Number(f[2]), freeBytes: Number(f[4]) });
    }
  }
  if (!byMount.size) warn('filesystems', 'df printed nothing usable');
  return [...byMount.values()];
}

function parseNics(out: ProbeOutput, warn: Warn): NicInfo[] {
  const nics = new Map<string, NicInfo>();
  const get = (name: string): NicInfo => {
    let n = nics.get(name);
    if (!n) {
      n = { name, mac: null, addresses: [], speedMbps: null, up: null, virtual: null };
      nics.set(name, n);
    }
    return n;
  };
  for (const line of out.sections.get('netlinks')?.lines ?? []) {
    const m = line.match(/\s(\S+) -> (\S+)$/);
    if (m) get(m[1]!).virtual = m[2]!.includes('/devices/virtual/');
  }
  for (const line of out.sections.get('netsys')?.lines ?? []) {
    const m = line.match(/^\/sys\/class\/net\/([^/]+)\/(operstate|address|speed):(.*)$/);
    if (!m) continue;
    const n = get(m[1]!);
    const v = m[3]!.trim();
    if (m[2] === 'operstate') n.up = v === 'up' ? true : v === 'down' ? false : null;
    else if (m[2] === 'address') n.mac = v && v !== '00:00:00:00:00:00' ? v : null;
    else {
      const speed = Number(v);
      n.speedMbps = Number.isFinite(speed) && speed > 0 ? speed : null;
    }
  }
  const ip = ok(out, 'ipaddr');
  if (ip) {
    for (const line of ip.lines) {
      // "2: eth0    inet 10.0.0.5/24 brd ... scope global eth0\       valid_lft ..."
      const m = line.match(/^\d+:\s+(\S+)\s+(inet6?)\s+(\S+)/);
      if (!m) continue;
      const n = get(m[1]!.replace(/@.*$/, ''));
      if (!n.addresses.includes(m[3]!)) n.addresses.push(m[3]!);
    }
  } else {
    warn('nics.addresses', `ip ${failure(out, 'ipaddr', 'ip')}; addresses unknown`);
  }
  if (!nics.size) warn('nics', 'no network interface found in /sys/class/net');
  return [...nics.values()];
}

function parseVirtualization(out: ProbeOutput, arch: string, warn: Warn): HardwareReport['virtualization'] {
  const sdv = out.sections.get('virt');
  const value = sdv?.lines[0]?.trim();
  // systemd-detect-virt prints "none" and exits 1 on bare metal.
  if (value === 'none') return { virtual: false, kind: null };
  if (sdv && sdv.rc === 0 && value) return { virtual: true, kind: value };

  const flags = ok(out, 'cpuflags')?.lines[0] ?? '';
  const dmi = new Map<string, string>();
  for (const line of out.sections.get('dmi-id')?.lines ?? []) {
    const m = line.match(/\/dmi\/id\/(\w+):(.*)$/);
    if (m) dmi.set(m[1]!, m[2]!.trim());
  }
  const xen = ok(out, 'cpu-hypervisor')?.lines[0]?.trim();
  const kind = xen || dmi.get('product_name') || dmi.get('sys_vendor') || null;
  if (/\bhypervisor\b/.test(flags) || xen) return { virtual: true, kind };
  if (/^(x86_64|amd64)$/i.test(arch) && flags) return { virtual: false, kind: null };
  warn('virtualization', 'systemd-detect-virt is not available and the CPU flags do not tell');
  return { virtual: null, kind: null };
}

function parseTimeSync(out: ProbeOutput, warn: Warn): boolean | null {
  const td = ok(out, 'timedatectl')?.lines[0]?.trim();
  if (td === 'yes') return true;
  if (td === 'no') return false;
  const chrony = ok(out, 'chronyc');
  if (chrony) {
    const leap = chrony.lines.find((l) => /^Leap status/.test(l));
    if (leap) return /normal/i.test(leap);
  }
  const ntpq = ok(out, 'ntpq');
  // ntpq -p marks the selected peer with '*' (or 'o' for PPS).
  if (ntpq) return ntpq.lines.some((l) => /^[*o]/.test(l));
  const tried = ['timedatectl', 'chronyc', 'ntpq'].map((t) => (out.missing.has(t) ? `${t} not installed` : `${t} ${failure(out, t)}`));
  warn('timeSync.synchronized', `unknown (${tried.join('; ')})`);
  return null;
}

type TimeService = HardwareReport['timeSync']['service'];

/**
 * `systemctl show` for the time sync units, one block per unit: the first one installed
 * (LoadState loaded or masked) and its state. A unit skipped by a condition (timesyncd in a
 * container) is reported as such, not as simply inactive.
 */
export function parseTimeService(out: ProbeOutput): TimeService {
  const sec = out.sections.get('timeunits');
  // systemctl show exits 0 even for unknown units; anything else means it could not ask systemd.
  if (!sec || sec.rc !== 0) return null;
  const blocks: Record<string, string>[] = [{}];
  for (const line of sec.lines) {
    if (!line.trim()) {
      if (Object.keys(blocks.at(-1)!).length) blocks.push({});
      continue;
    }
    const i = line.indexOf('=');
    if (i > 0) blocks.at(-1)![line.slice(0, i)] = line.slice(i + 1).trim();
  }
  for (const b of blocks) {
    if (!b.Id) continue;
    const name = b.Id.replace(/\.service$/, '');
    if (b.LoadState === 'masked') return { name, state: 'masked' };
    if (b.LoadState !== 'loaded') continue;
    if (b.ActiveState === 'active' || b.ActiveState === 'activating' || b.ActiveState === 'reloading') return { name, state: 'active' };
    if (b.ActiveState === 'failed') return { name, state: 'failed' };
    if (b.ConditionResult === 'no') return { name, state: 'condition-skipped' };
    return { name, state: 'inactive' };
  }
  return { name: null, state: 'not-installed' };
}

function parseCgroup(out: ProbeOutput, warn: Warn): 1 | 2 | null {
  const t = ok(out, 'cgroupfs')?.lines[0]?.trim();
  if (t === 'cgroup2fs') return 2;
  if (t === 'tmpfs') return 1;
  warn('cgroupVersion', t ? `unexpected filesystem "${t}" on /sys/fs/cgroup` : `stat /sys/fs/cgroup ${failure(out, 'cgroupfs')}`);
  return null;
}

function parseSecurity(out: ProbeOutput): HardwareReport['security'] {
  const ge = ok(out, 'getenforce')?.lines[0]?.trim().toLowerCase();
  const enforce = ok(out, 'selinux-enforce')?.lines[0]?.trim();
  const selinux = ge ?? (enforce === '1' ? 'enforcing' : enforce === '0' ? 'permissive' : 'absent');
  const aa = ok(out, 'apparmor')?.lines[0]?.trim();
  const apparmor = aa === 'Y' ? 'enabled' : aa === 'N' ? 'disabled' : 'absent';
  return { selinux, apparmor };
}

function parsePorts(out: ProbeOutput, warn: Warn): HardwareReport['listeningPorts'] {
  const ss = ok(out, 'ss');
  if (ss) return parseSs(ss.lines);
  const tables: [string, 'tcp' | 'udp', boolean][] = [
    ['proc-net-tcp', 'tcp', false],
    ['proc-net-tcp6', 'tcp', true],
    ['proc-net-udp', 'udp', false],
    ['proc-net-udp6', 'udp', true],
  ];
  const ports = tables.flatMap(([name, proto, v6]) => parseProcNet(ok(out, name)?.lines ?? [], proto, v6));
  const any = tables.some(([name]) => ok(out, name));
  warn('listeningPorts', any ? `ss ${failure(out, 'ss', 'ss')}; read /proc/net instead (no process names)` : `ss ${failure(out, 'ss', 'ss')} and /proc/net is unreadable`);
  return ports;
}
