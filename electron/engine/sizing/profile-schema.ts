import { z } from 'zod';

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
};

/** "32GiB" -> 34359738368, "1TB" -> 1e12; plain numbers are bytes. */
export function parseSize(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = v.trim().match(/^(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)$/i);
  if (!m) throw new Error(`"${v}" is not a size (use e.g. 32GiB, 500GB, 1TB)`);
  return Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
}

const Size = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseSize(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const Fraction = z.number().min(0).max(0.5).default(0);
/** required = fail when absent; recommended = warn when absent; ignore = not checked. */
const Need = z.enum(['required', 'recommended', 'ignore']);
const DiskKind = z.enum(['nvme', 'ssd', 'hdd', 'virtual', 'unknown']);

export const HostRequirements = z
  .object({
    cores: z.object({ min: z.number().int().positive(), recommended: z.number().int().positive().optional() }).strict(),
    memory: z.object({ min: Size, recommended: Size.optional(), tolerance: Fraction }).strict(),
    ecc: Need,
    arch: z.array(z.string()).min(1),
    x86_64_v2: Need,
    os: z.array(z.object({ family: z.string(), releases: z.array(z.string()).min(1) }).strict()).min(1),
    osDisk: z.object({ kinds: z.array(DiskKind).min(1), recommendedKinds: z.array(DiskKind).min(1), minSize: Size, tolerance: Fraction }).strict(),
    dataFilesystem: z.object({ path: z.string().startsWith('/'), minSize: Size, tolerance: Fraction }).strict(),
    /** Free space on the filesystems holding `paths`: bundleFactor x bundle size, and never less than minFree. */
    freeSpace: z.object({ paths: z.array(z.string().startsWith('/')).min(1), bundleFactor: z.number().positive(), minFree: Size }).strict(),
    cgroupV2: Need,
    /** allowed = informational; warn = swap on is a warning (kubelet). */
    swap: z.enum(['allowed', 'warn']),
    timeSync: Need,
    clockOffset: z.object({ warnMs: z.number().positive(), failMs: z.number().positive() }).strict(),
    nic: z.object({ recommendedSpeedMbps: z.number().nonnegative() }).strict(),
    ports: z.array(z.object({ protocol: z.enum(['tcp', 'udp']), port: z.number().int().min(1).max(65535), purpose: z.string() }).strict()),
    /** Processes that may already hold those ports (our own stack, on a re-run). */
    portOwners: z.array(z.string()),
  })
  .strict();

export const ClusterRequirements = z
  .object({
    maxSkewMs: z.number().positive(),
    warnSkewMs: z.number().positive(),
  })
  .strict();

export const SizingProfile = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string(),
    /** false = a relaxed profile (labs): every verdict made with it says it is not the production sizing. */
    production: z.boolean(),
    /** The site topology it is for; "any" for the lab profile. */
    topology: z.enum(['single', 'k3s-3', 'any']),
    /** Exact number of server hosts the topology needs (absent: taken from the site's topology). */
    nodes: z.number().int().positive().optional(),
    host: HostRequirements,
    cluster: ClusterRequirements,
  })
  .strict();

export const ProfilesFile = z
  .object({
    schemaVersion: z.literal(1),
    notes: z.array(z.string()).default([]),
    profiles: z.array(SizingProfile).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.profiles.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['profiles', i, 'name'], message: `duplicate profile "${p.name}"` });
      seen.add(p.name);
    });
  });

export type HostRequirements = z.infer<typeof HostRequirements>;
export type SizingProfile = z.infer<typeof SizingProfile>;
export type ProfilesFile = z.infer<typeof ProfilesFile>;
export type Need = z.infer<typeof Need>;
