import { mkdirSync, openSync, closeSync, writeSync, readFileSync, unlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApplianceError, throwIfAborted } from '../errors.js';
import { isAlive, processStartTime, sleep } from './processes.js';

/**
 * An exclusive lock file holding "<pid> <starttime>" of its owner. A lock whose owner is gone
 * (crash, kill -9) is taken over, so an interrupted `lab up` never blocks the next one.
 */
export async function acquireLock(
  lockPath: string,
  opts: { timeoutMs: number; signal?: AbortSignal; onWait?: () => void; busyMessage: string },
): Promise<() => void> {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  const deadline = Date.now() + opts.timeoutMs;
  let told = false;
  for (;;) {
    throwIfAborted(opts.signal);
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid} ${processStartTime(process.pid) ?? 0}\n`);
      closeSync(fd);
      return () => {
        try {
          if (ownerOf(lockPath)?.pid === process.pid) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = ownerOf(lockPath);
    // An unreadable lock is either being written right now or debris: give it a few seconds.
    const stale = owner ? !isAlive(owner.pid, owner.startTime) : ageMs(lockPath) > 5000;
    if (stale) {
      try {
        unlinkSync(lockPath); // stale: its owner died
      } catch {
        // someone else removed it first
      }
      continue;
    }
    if (Date.now() >= deadline) throw new ApplianceError('CONFLICT', opts.busyMessage, { ownerPid: owner?.pid });
    if (!told) {
      told = true;
      opts.onWait?.();
    }
    await sleep(500);
  }
}

function ownerOf(lockPath: string): { pid: number; startTime: number } | null {
  try {
    const [pid, st] = readFileSync(lockPath, 'utf8').trim().split(/\s+/).map(Number);
    if (!pid) return null;
    return { pid, startTime: st ?? 0 };
  } catch {
    return null;
  }
}

function ageMs(p: string): number {
  try {
    return Date.now() - statSync(p).mtimeMs;
  } catch {
    return Infinity;
  }
}
