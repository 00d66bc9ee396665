import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { ApplianceError } from '../errors.js';
import { LockHolder } from './schema.js';

/** Heartbeat period, and the age after which a holder whose process we cannot see is stale. */
export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_MS = 60_000;

export const lockPath = (dir: string): string => join(dir, 'install.lock');

export interface SiteLock {
  holder: LockHolder;
  release(): Promise<void>;
}

/**
 * Takes the site's install lock (DIR/install.lock, created exclusively) or throws CONFLICT
 * naming the holder and the exact unlock command. A holder on this machine whose process is
 * gone, or one whose heartbeat stopped more than a minute ago (another laptop that died), is
 * stale and taken over. The lock file is refreshed every 10 s while held.
 */
export async function acquireSiteLock(dir: string, operation: string, now = (): Date => new Date()): Promise<SiteLock> {
  const file = lockPath(dir);
  const holder: LockHolder = {
    lockId: randomUUID(),
    who: `${safeUser()}@${hostname()}`,
    pid: process.pid,
    operation,
    started: now().toISOString(),
    heartbeat: now().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      try {
        await fh.writeFile(JSON.stringify(holder) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      return held(dir, holder, now);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const current = await readLock(dir);
    if (current && !isStale(current, now())) throw lockedError(dir, current);
    // Stale (or unreadable): move it aside atomically so two takers cannot both win, then retry.
    await rename(file, `${file}.stale-${holder.lockId}`).catch(() => undefined);
    await rm(`${file}.stale-${holder.lockId}`, { force: true });
  }
  const current = await readLock(dir);
  throw current ? lockedError(dir, current) : new ApplianceError('CONFLICT', `Could not take the install lock ${file}.`);
}

/** The current holder, or null (no lock, or an unreadable file). */
export async function readLock(dir: string): Promise<LockHolder | null> {
  const text = await readFile(lockPath(dir), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return LockHolder.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

/** Removes the lock if its ID matches (the --force-unlock escape hatch); NOT_FOUND/CONFLICT otherwise. */
export async function forceUnlock(dir: string, lockId: string): Promise<LockHolder> {
  const current = await readLock(dir);
  if (!current) throw new ApplianceError('NOT_FOUND', `The site ${dir} holds no install lock.`);
  if (current.lockId !== lockId) throw new ApplianceError('CONFLICT', `The install lock's ID is ${current.lockId}, not ${lockId}: nothing removed.`);
  await rm(lockPath(dir), { force: true });
  return current;
}

export function isStale(h: LockHolder, now: Date): boolean {
  if (h.who.endsWith(`@${hostname()}`) && !processAlive(h.pid)) return true;
  return now.getTime() - Date.parse(h.heartbeat) > STALE_AFTER_MS;
}

function held(dir: string, holder: LockHolder, now: () => Date): SiteLock {
  const file = lockPath(dir);
  const timer = setInterval(() => {
    const beat = { ...holder, heartbeat: now().toISOString() };
    // Written in place (not renamed over): a taker that decided we were stale has moved our file away.
    void readLock(dir).then((cur) => (cur?.lockId === holder.lockId ? writeFile(file, JSON.stringify(beat) + '\n') : undefined)).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    holder,
    async release() {
      clearInterval(timer);
      const cur = await readLock(dir);
      if (cur?.lockId === holder.lockId) await rm(file, { force: true });
    },
  };
}

function lockedError(dir: string, h: LockHolder): ApplianceError {
  return new ApplianceError(
    'CONFLICT',
    `The site is locked by another ${h.operation}: ${h.who}, pid ${h.pid}, since ${h.started} (last heartbeat ${h.heartbeat}, lock ID ${h.lockId}). ` +
      `Wait for it to finish. If that run is gone for good: appliance install --site ${dir} --force-unlock ${h.lockId}`,
    { holder: h },
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}
