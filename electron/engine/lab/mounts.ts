import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ApplianceError } from '../errors.js';
import { tryRun } from './run.js';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** Parses a mountinfo file (default: this process's). Octal escapes (\040 for space) are decoded. */
export function readMountInfo(file = '/proc/self/mountinfo'): MountEntry[] {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return parseMountInfo(raw);
}

export function parseMountInfo(raw: string): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountEntry[] = [];
  for (const line of raw.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    out.push({
      mountPoint: unescape(l[4] ?? ''),
      fsType: r[0] ?? '',
      source: unescape(r[1] ?? ''),
      superOptions: r[2] ?? '',
    });
  }
  return out;
}

function isUnder(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Mount points at or below `dir` in this mount namespace, deepest first. */
export function mountsUnder(dir: string, file?: string): string[] {
  return readMountInfo(file)
    .map((m) => m.mountPoint)
    .filter((mp) => isUnder(mp, dir))
    .sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything at or below `dir` (leftovers of a crash or of manual debugging). */
export async function unmountUnder(dir: string): Promise<string[]> {
  const done: string[] = [];
  for (let pass = 0; pass < 5; pass++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) break;
    for (const mp of mps) {
      const r = await tryRun('umount', ['-l', mp]);
      if (r.exitCode === 0) done.push(mp);
    }
  }
  return done;
}

/**
 * rm -rf that refuses to descend into a mounted tree: a bind-mounted /dev or /proc below `dir`
 * must never be deleted through. Unmounts first, then checks again.
 */
export async function removeTree(dir: string): Promise<void> {
  await unmountUnder(dir);
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw new ApplianceError('FAILED', `Refusing to delete ${dir}: still mounted at ${left.join(', ')}.`);
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
