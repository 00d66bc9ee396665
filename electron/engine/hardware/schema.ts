import { z } from 'zod';

/**
 * What we know about one machine's hardware, whether read locally (systeminformation) or over
 * SSH (installer-assets/probes). Every field that can be unknown is nullable: a missing tool
 * degrades one field and adds a line to `warnings`, never fails the report.
 */
export const CpuInfo = z.object({
  model: z.string(),
  vendor: z.string().nullable(),
  arch: z.string(),
  /** Physical cores across all sockets. */
  cores: z.number().int().nonnegative(),
  /** Logical CPUs (hardware threads). */
  threads: z.number().int().nonnegative(),
  sockets: z.number().int().nonnegative().nullable(),
  /** x86-64-v2 microarchitecture level (needed by current container images); null off x86. */
  x86_64_v2: z.boolean().nullable(),
  mhz: z.number().nullable(),
});

export const MemoryInfo = z.object({
  totalBytes: z.number().nonnegative(),
  /** From dmidecode/SMBIOS; 'unknown' without root or in a VM that does not expose it. */
  ecc: z.enum(['yes', 'no', 'unknown']),
  swapTotalBytes: z.number().nonnegative().nullable(),
});

export const DiskInfo = z.object({
  name: z.string(),
  model: z.string().nullable(),
  sizeBytes: z.number().nonnegative(),
  kind: z.enum(['nvme', 'ssd', 'hdd', 'virtual', 'unknown']),
  rotational: z.boolean().nullable(),
  transport: z.string().nullable(),
  /** The md array this disk is a member of, if any. */
  raidMemberOf: z.string().nullable(),
});

export const RaidArray = z.object({
  name: z.string(),
  level: z.string(),
  members: z.array(z.string()),
  sizeBytes: z.number().nonnegative().nullable(),
});

export const FilesystemInfo = z.object({
  mount: z.string(),
  device: z.string(),
  fsType: z.string(),
  sizeBytes: z.number().nonnegative(),
  freeBytes: z.number().nonnegative(),
  /** Whole disks under this filesystem (through partitions, LVM, md), when known: tells the OS disk. */
  disks: z.array(z.string()).optional(),
});

export const NicInfo = z.object({
  name: z.string(),
  mac: z.string().nullable(),
  /** CIDR notation, IPv4 and IPv6. */
  addresses: z.array(z.string()),
  speedMbps: z.number().nullable(),
  up: z.boolean().nullable(),
  virtual: z.boolean().nullable(),
});

export const OsInfo = z.object({
  /** Lower-case ID from os-release: debian, ubuntu, rhel... */
  family: z.string(),
  distro: z.string(),
  release: z.string(),
  codename: z.string().nullable(),
  kernel: z.string(),
  arch: z.string(),
});

export const ListeningPort = z.object({
  protocol: z.enum(['tcp', 'udp']),
  address: z.string(),
  port: z.number().int(),
  process: z.string().nullable(),
});

export const HardwareReport = z.object({
  host: z.string(),
  /** The machine's own hostname (K3s needs it unique per node); absent when not read. */
  hostname: z.string().optional(),
  source: z.enum(['local', 'ssh']),
  collectedAt: z.string(),
  cpu: CpuInfo,
  memory: MemoryInfo,
  disks: z.array(DiskInfo),
  raidArrays: z.array(RaidArray),
  filesystems: z.array(FilesystemInfo),
  nics: z.array(NicInfo),
  os: OsInfo,
  virtualization: z.object({ virtual: z.boolean().nullable(), kind: z.string().nullable() }),
  /** PID 1's name: "systemd" on the servers the installer targets; null when not read. */
  // Defaults: reports saved before these fields existed still parse.
  initSystem: z.string().nullable().default(null),
  timeSync: z.object({
    synchronized: z.boolean().nullable(),
    /** Clock offset to the machine running the appliance, in ms (remote minus local). */
    offsetMs: z.number().nullable(),
    /**
     * The time sync service systemd knows (first installed of systemd-timesyncd, chrony, ntp,
     * ntpsec, openntpd) and its state; name null with "not-installed" when none is; null when
     * systemctl could not be asked.
     */
    service: z
      .object({
        name: z.string().nullable(),
        state: z.enum(['active', 'inactive', 'failed', 'condition-skipped', 'masked', 'not-installed']),
      })
      .nullable()
      .default(null),
  }),
  cgroupVersion: z.union([z.literal(1), z.literal(2)]).nullable(),
  security: z.object({ selinux: z.string().nullable(), apparmor: z.string().nullable() }),
  listeningPorts: z.array(ListeningPort),
  /** One line per field that could not be read, and why. */
  warnings: z.array(z.string()),
});

export type CpuInfo = z.infer<typeof CpuInfo>;
export type MemoryInfo = z.infer<typeof MemoryInfo>;
export type DiskInfo = z.infer<typeof DiskInfo>;
export type FilesystemInfo = z.infer<typeof FilesystemInfo>;
export type NicInfo = z.infer<typeof NicInfo>;
export type HardwareReport = z.infer<typeof HardwareReport>;
