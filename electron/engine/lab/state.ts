import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ApplianceError } from '../errors.js';

/**
 * The lab's state file: everything teardown needs to undo `lab up`, written before the first
 * resource is created and updated as nodes start, so a crash mid-way can still be cleaned up.
 */
export const NodeState = z.object({
  name: z.string(),
  index: z.number().int().positive(),
  netns: z.string(),
  vethHost: z.string(),
  address: z.string(),
  /** "bare" or "docker" (see profiles.ts). */
  profile: z.enum(['bare', 'docker']),
  /** Network segment the node sits on: "lab" (the one bridge) or dmz/app/data/mgmt (segmented lab). */
  segment: z.string(),
  /** Size of the node's /data filesystem in bytes, and its image file (loop-mounted ext4) or "tmpfs". */
  dataBytes: z.number().int().positive(),
  dataImage: z.string(),
  /** The node's own cgroup folder in every host hierarchy: removed depth-first on teardown. */
  cgroupDirs: z.array(z.string()).default([]),
  hostKeyFingerprint: z.string().optional(),
  /** Host PID of the node's PID 1 (node-init.sh, then systemd) and its kernel start time. */
  pid: z.number().int().positive().optional(),
  startTime: z.number().int().nonnegative().optional(),
  /** Host PID of the `unshare` parent. */
  unsharePid: z.number().int().positive().optional(),
});

export const LabState = z.object({
  version: z.literal(2),
  name: z.string(),
  stateDir: z.string(),
  baseDir: z.string(),
  /** The docker profile's layer (lowerdir above the base), when a node uses it. */
  dockerLayerDir: z.string().optional(),
  bridge: z.string(),
  octet: z.number().int().min(1).max(250),
  subnet: z.string(),
  createdAt: z.string(),
  /** "segmented": four segment bridges behind a router netns (see router.ts); absent = flat. */
  topology: z.enum(['flat', 'segmented']).default('flat'),
  /** Segmented labs: each segment's subnet and gateway (10.99.X.0/24, router .1). */
  segments: z.record(z.string(), z.object({ octet: z.number().int(), cidr: z.string(), gateway: z.string() })).optional(),
  /** False until every node answered: a lab that never got ready is torn down, not reused. */
  ready: z.boolean(),
  nodes: z.array(NodeState),
});

export type NodeState = z.infer<typeof NodeState>;
export type LabState = z.infer<typeof LabState>;

/** The state, or null when missing or unreadable (teardown then relies on scanning alone). */
export function readState(file: string): LabState | null {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES') {
      throw new ApplianceError('PERMISSION', `Cannot read the lab state ${file}: run as root or with sudo.`);
    }
    return null;
  }
  try {
    const parsed = LabState.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Atomic write (temp file + rename): a reader never sees half a state file. */
export async function writeState(file: string, state: LabState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  // Readable by everyone (no secrets in it) so `lab status` works without root.
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });
  await rename(tmp, file);
}

/** Lab secrets (the engineer's sudo password): a separate file, mode 0600, root only. */
export const LabSecrets = z.object({ engineerPassword: z.string() });
export type LabSecrets = z.infer<typeof LabSecrets>;

export async function writeSecrets(file: string, secrets: LabSecrets): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(secrets) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

/** The secrets, or null when missing or not readable by this user (not root). */
export function readSecrets(file: string): LabSecrets | null {
  try {
    const parsed = LabSecrets.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
