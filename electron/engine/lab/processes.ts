import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';

/** Host PIDs and /proc helpers; start times guard against a recycled PID being mistaken for a node. */

interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  startTime: number;
}

function readStat(pid: number): ProcStat | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: fields resume after the last ')'.
  const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0] ?? '?', ppid: Number(rest[1]), startTime: Number(rest[19]) };
}

/** Kernel start time of a process (clock ticks since boot), or null if it is gone. */
export function processStartTime(pid: number): number | null {
  return readStat(pid)?.startTime ?? null;
}

/** True if the PID exists, is not a zombie, and (when given) started at `startTime`. */
export function isAlive(pid: number, startTime?: number): boolean {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

export function childrenOf(pid: number): number[] {
  return allPids().filter((p) => readStat(p)?.ppid === pid);
}

/** PIDs in the named network namespace (/run/netns/<name>), compared by namespace inode. */
export function pidsInNetns(netns: string): number[] {
  let inode: number;
  try {
    inode = statSync(`/run/netns/${netns}`).ino;
  } catch {
    return [];
  }
  const want = `net:[${inode}]`;
  return allPids().filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/ns/net`) === want;
    } catch {
      return false;
    }
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns true or `timeoutMs` passes; returns the last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
