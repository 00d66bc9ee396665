import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type { DiskInfo, FilesystemInfo, HardwareReport, NicInfo } from './schema.js';
import { supportsX86_64_v2 } from './x86-level.js';

/**
 * Reports the machine the appliance runs on, through systeminformation plus a few direct
 * reads of /proc and /sys where systeminformation is vague (rotational flag, cgroup version).
 * Each source is read on its own: a failure becomes a warning line and a null field.
 */
export async function detectLocalHardware(): Promise<HardwareReport> {
  const warnings: string[] = [];
  const safe = async <T>(field: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      warnings.push(`${field}: could not be read (${e instanceof Error ? e.message : String(e)})`);
      return fallback;
    }
  };

  const [cpu, flags, mem, memLayout, blocks, fsSizes, ifaces, osInfo, system] = await Promise.all([
    safe('cpu', () => si.cpu(), null),
    safe('cpu.flags', () => si.cpuFlags(), ''),
    safe('memory', () => si.mem(), null),
    safe('memory.ecc', () => si.memLayout(), []),
    safe('disks', () => si.blockDevices(), []),
    safe('filesystems', () => si.fsSize(), []),
    safe('nics', () => si.networkInterfaces().then((n) => (Array.isArray(n) ? n : [n])), []),
    safe('os', () => si.osInfo(), null),
    safe('virtualization', () => si.system(), null),
  ]);

  const arch = os.arch() === 'x64' ? 'x86_64' : os.arch();
  const flagList = flags.split(/\s+/).filter(Boolean);
  const eccValues = memLayout.map((m) => m.ecc);
  const ecc = eccValues.some((v) => v === true) ? 'yes' : eccValues.length > 0 && eccValues.every((v) => v === false) ? 'no' : 'unknown';
  if (ecc === 'unknown') warnings.push('memory.ecc: not reported by SMBIOS here (needs root and physical hardware)');

  const disks: DiskInfo[] = [];
  for (const b of blocks.filter((b) => b.type === 'disk' && b.size > 0)) {
    const rotational = await readSysFlag(`/sys/block/${b.name}/queue/rotational`);
    const nvme = b.name.startsWith('nvme');
    const isVirtual = /^(vd|xvd)/.test(b.name);
    disks.push({
      name: b.name,
      model: b.model || null,
      sizeBytes: b.size,
      // A virtio disk's rotational flag says nothing about the storage behind it (same rule as the SSH probe).
      kind: nvme ? 'nvme' : isVirtual ? 'virtual' : rotational === true ? 'hdd' : rotational === false ? 'ssd' : 'unknown',
      rotational,
      transport: b.protocol || null,
      raidMemberOf: null,
    });
  }

  const filesystems: FilesystemInfo[] = fsSizes.map((f) => ({
    mount: f.mount,
    device: f.fs,
    fsType: f.type,
    sizeBytes: f.size,
    freeBytes: f.available,
  }));

  const osNics = os.networkInterfaces();
  const nics: NicInfo[] = ifaces.map((n) => ({
    name: n.iface,
    mac: n.mac || null,
    addresses: (osNics[n.iface] ?? []).map((a) => a.cidr ?? a.address),
    speedMbps: typeof n.speed === 'number' && n.speed > 0 ? n.speed : null,
    up: n.operstate === 'up' ? true : n.operstate === 'down' ? false : null,
    virtual: n.virtual ?? null,
  }));

  const osRelease = await readOsRelease();
  const logicalCpus = os.cpus().length;

  return {
    host: os.hostname(),
    source: 'local',
    collectedAt: new Date().toISOString(),
    cpu: {
      model: cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : (os.cpus()[0]?.model ?? 'unknown'),
      vendor: cpu?.manufacturer || null,
      arch,
      cores: cpu?.physicalCores || logicalCpus,
      threads: cpu?.cores || logicalCpus,
      sockets: cpu?.processors || null,
      x86_64_v2: supportsX86_64_v2(arch, flagList),
      mhz: cpu?.speed ? Math.round(cpu.speed * 1000) : null,
    },
    memory: { totalBytes: mem?.total ?? os.totalmem(), ecc, swapTotalBytes: mem ? mem.swaptotal : null },
    disks,
    raidArrays: [],
    filesystems,
    nics,
    os: {
      family: osRelease.ID ?? os.platform(),
      distro: osInfo?.distro ?? osRelease.PRETTY_NAME ?? os.type(),
      release: osInfo?.release ?? osRelease.VERSION_ID ?? os.release(),
      codename: osInfo?.codename || osRelease.VERSION_CODENAME || null,
      kernel: os.release(),
      arch,
    },
    // The CPU's hypervisor flag is the most reliable sign (systeminformation's answer changes
    // with whether dmidecode is installed); the same rule as the SSH probe.
    virtualization: {
      virtual: flagList.includes('hypervisor') || (system?.virtual ?? null),
      kind: system?.virtualHost || (system?.virtual ? system.model : null) || null,
    },
    // Local clock: the laptop is the reference, so its own offset is zero by definition.
    initSystem: readPid1Name(),
    timeSync: { synchronized: null, offsetMs: 0, service: null },
    cgroupVersion: await detectCgroupVersion(),
    security: await detectLsm(),
    listeningPorts: [],
    warnings,
  };
}

async function readSysFlag(path: string): Promise<boolean | null> {
  try {
    const v = (await readFile(path, 'utf8')).trim();
    return v === '1' ? true : v === '0' ? false : null;
  } catch {
    return null;
  }
}

async function readOsRelease(): Promise<Record<string, string>> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    return Object.fromEntries(
      text
        .split('\n')
        .map((l) => l.match(/^([A-Z_]+)=(.*)$/))
        .filter((m): m is RegExpMatchArray => m !== null)
        .map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')]),
    );
  } catch {
    return {};
  }
}

async function detectCgroupVersion(): Promise<1 | 2 | null> {
  if (process.platform !== 'linux') return null;
  try {
    const mounts = await readFile('/proc/self/mounts', 'utf8');
    if (/ \/sys\/fs\/cgroup cgroup2 /.test(mounts)) return 2;
    if (/ cgroup /.test(mounts)) return 1;
    return null;
  } catch {
    return null;
  }
}

async function detectLsm(): Promise<{ selinux: string | null; apparmor: string | null }> {
  const read = async (p: string) => {
    try {
      return (await readFile(p, 'utf8')).trim();
    } catch {
      return null;
    }
  };
  const enforce = await read('/sys/fs/selinux/enforce');
  const apparmor = await read('/sys/module/apparmor/parameters/enabled');
  return {
    selinux: enforce === null ? 'absent' : enforce === '1' ? 'enforcing' : 'permissive',
    apparmor: apparmor === null ? 'absent' : apparmor === 'Y' ? 'enabled' : 'disabled',
  };
}

/** PID 1's name (systemd, init, ...), or null when /proc is not readable. */
function readPid1Name(): string | null {
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim() || null;
  } catch {
    return null;
  }
}
