import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
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

/** Cgroup directories a lab's dockerds created: /sys/fs/cgroup/<hierarchy>/lab-<lab>-nodeN (or at the root on pure v2). */
export function labCgroupDirs(labName: string): string[] {
  const re = new RegExp(`^lab-${labName}-node\\d+$`);
  const roots = [CGROUP_ROOT];
  try {
    for (const d of readdirSync(CGROUP_ROOT, { withFileTypes: true })) if (d.isDirectory()) roots.push(path.join(CGROUP_ROOT, d.name));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const r of roots) {
    try {
      for (const d of readdirSync(r, { withFileTypes: true })) if (d.isDirectory() && re.test(d.name)) out.push(path.join(r, d.name));
    } catch {
      // unreadable hierarchy
    }
  }
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
 * Removes a lab's cgroups, children first. Any process still inside (only after a crash) is
 * killed first; a cgroup is only removable once its last task has been reaped, so retry briefly.
 */
export async function removeLabCgroups(labName: string): Promise<string[]> {
  const left: string[] = [];
  for (const top of labCgroupDirs(labName)) {
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
