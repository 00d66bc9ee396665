import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readMountInfo, type MountEntry } from './mounts.js';
import { signal, sleep } from './processes.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface CgroupLayout {
  /** The host's /sys/fs/cgroup is a tmpfs holding several hierarchies (v1 or hybrid). */
  tmpfsRoot: boolean;
  /** Hierarchies below /sys/fs/cgroup: relative mount point ("." for the root), fs type, mount options. */
  hierarchies: { rel: string; fsType: 'cgroup' | 'cgroup2'; options: string }[];
}

/**
 * The host's cgroup layout, read from mountinfo, so a node mounts exactly the same hierarchies:
 * v1 (one dir per controller, or combined like cpu,cpuacct), hybrid (v1 + unified), or pure v2.
 */
export function hostCgroupLayout(entries: MountEntry[] = readMountInfo()): CgroupLayout {
  const under = entries.filter((m) => m.mountPoint === CGROUP_ROOT || m.mountPoint.startsWith(CGROUP_ROOT + '/'));
  const tmpfsRoot = under.some((m) => m.mountPoint === CGROUP_ROOT && m.fsType === 'tmpfs');
  const hierarchies: CgroupLayout['hierarchies'] = [];
  const seen = new Set<string>();
  for (const m of under) {
    if (m.fsType !== 'cgroup' && m.fsType !== 'cgroup2') continue;
    const rel = path.relative(CGROUP_ROOT, m.mountPoint) || '.';
    if (seen.has(rel) || !/^[A-Za-z0-9_.,=-]+$/.test(rel)) continue;
    seen.add(rel);
    // Keep what identifies the hierarchy (controllers, name=, flags); drop rw/ro and the release agent.
    const options = m.superOptions
      .split(',')
      .filter((o) => o && o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent='))
      .filter((o) => /^[A-Za-z0-9_=.-]+$/.test(o))
      .join(',');
    hierarchies.push({ rel, fsType: m.fsType, options });
  }
  return { tmpfsRoot, hierarchies };
}

/** The layout as node-init.sh reads it: "fstype:rel:options" words. */
export function cgroupEnv(layout: CgroupLayout): { LAB_CGROUP_TMPFS: string; LAB_CGROUPS: string } {
  return {
    LAB_CGROUP_TMPFS: layout.tmpfsRoot ? '1' : '0',
    LAB_CGROUPS: layout.hierarchies.map((h) => `${h.fsType}:${h.rel}:${h.options}`).join(' '),
  };
}

/**
 * This process's own path in each hierarchy of `layout` (from /proc/self/cgroup), keyed by the
 * hierarchy's mount dir. A node's cgroup folder goes below it, so the node stays inside whatever
 * limits the launching process lives under.
 */
export function ownCgroupPaths(layout: CgroupLayout, raw = readFileSync('/proc/self/cgroup', 'utf8')): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of raw.split('\n')) {
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, ctl, own] = m;
    const h =
      id === '0' && ctl === ''
        ? layout.hierarchies.find((x) => x.fsType === 'cgroup2')
        : layout.hierarchies.find((x) => x.fsType === 'cgroup' && ctl!.split(',').every((c) => x.options.split(',').includes(c)));
    if (h && /^\/[A-Za-z0-9_.:@/-]*$/.test(own!)) out.set(h.rel, own!);
  }
  return out;
}

/** Name of a node's cgroup folder in every hierarchy. */
export function nodeCgroupName(labName: string, nodeName: string): string {
  return `lab-${labName}-${nodeName}`;
}

/**
 * Makes the node's own folder in every hierarchy (below this process's own path) and returns
 * them. A new cpuset starts with no CPUs and no memory nodes, and a process cannot join it
 * until they are set: copy the parent's.
 */
export function createNodeCgroups(layout: CgroupLayout, labName: string, nodeName: string): string[] {
  const own = ownCgroupPaths(layout);
  const dirs: string[] = [];
  for (const h of layout.hierarchies) {
    const parent = path.join(CGROUP_ROOT, h.rel, own.get(h.rel) ?? '/');
    const dir = path.join(parent, nodeCgroupName(labName, nodeName));
    mkdirSync(dir, { recursive: true });
    if (h.options.split(',').includes('cpuset')) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if (existsSync(path.join(parent, f))) writeFileSync(path.join(dir, f), readFileSync(path.join(parent, f), 'utf8'));
      }
    }
    dirs.push(dir);
  }
  return dirs;
}

/**
 * A lab's node cgroup folders found by scanning (after a crash that lost the state file): any
 * folder named lab-<lab>-nodeN up to a few levels below each hierarchy, without descending
 * into what it finds.
 */
export function labCgroupDirs(labName: string, maxDepth = 5): string[] {
  const re = new RegExp(`^lab-${labName}-node\\d+$`);
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(d, e.name);
      if (re.test(e.name)) out.push(p);
      else if (depth < maxDepth) walk(p, depth + 1);
    }
  };
  walk(CGROUP_ROOT, 0);
  return out;
}

function subdirsDeepestFirst(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

function procsIn(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Removes a lab's node cgroup folders (from the state and by scanning), children first: the
 * node's systemd and dockerd leave empty init.scope, system.slice/... and docker folders. Any process still inside (only after a crash) is
 * killed first; a cgroup is only removable once its last task has been reaped, so retry briefly.
 */
export async function removeLabCgroups(labName: string, known: string[] = []): Promise<string[]> {
  const left: string[] = [];
  for (const top of new Set([...known, ...labCgroupDirs(labName)])) {
    for (const d of subdirsDeepestFirst(top)) {
      let ok = false;
      for (let i = 0; i < 30 && !ok; i++) {
        for (const p of procsIn(d)) signal(p, 'SIGKILL');
        try {
          rmdirSync(d);
          ok = true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') ok = true;
          else await sleep(100);
        }
      }
      if (!ok && existsSync(d)) left.push(d);
    }
  }
  return left;
}
