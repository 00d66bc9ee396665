import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { acquireSiteLock, forceUnlock, lockPath, readLock } from './lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a second install on the site is refused with the holder and the unlock command; release frees it', async () => {
  const lock = await acquireSiteLock(dir, 'install');
  const err = await acquireSiteLock(dir, 'install').catch((e: Error & { code?: string }) => e);
  expect(err).toMatchObject({ code: 'CONFLICT' });
  expect((err as Error).message).toContain(`pid ${process.pid}`);
  expect((err as Error).message).toContain(`--force-unlock ${lock.holder.lockId}`);
  await lock.release();
  expect(await readLock(dir)).toBeNull();
  await (await acquireSiteLock(dir, 'install')).release();
});

it('a lock whose process on this machine is gone (kill -9) is stale and taken over', async () => {
  const dead = spawnSync('true').pid!;
  const now = new Date().toISOString();
  await writeFile(lockPath(dir), JSON.stringify({ lockId: 'old', who: `root@${hostname()}`, pid: dead, operation: 'install', started: now, heartbeat: now }));
  const lock = await acquireSiteLock(dir, 'install');
  expect(JSON.parse(await readFile(lockPath(dir), 'utf8')).lockId).toBe(lock.holder.lockId);
  await lock.release();
});

it('a lock from another machine is respected until its heartbeat is a minute old', async () => {
  const fresh = new Date().toISOString();
  await writeFile(lockPath(dir), JSON.stringify({ lockId: 'other', who: 'eng@laptop-2', pid: 1, operation: 'install', started: fresh, heartbeat: fresh }));
  await expect(acquireSiteLock(dir, 'install')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('eng@laptop-2') });
  const old = new Date(Date.now() - 120_000).toISOString();
  await writeFile(lockPath(dir), JSON.stringify({ lockId: 'other', who: 'eng@laptop-2', pid: 1, operation: 'install', started: old, heartbeat: old }));
  await (await acquireSiteLock(dir, 'install')).release();
});

it('force-unlock needs the holder\'s ID', async () => {
  const lock = await acquireSiteLock(dir, 'install');
  await expect(forceUnlock(dir, 'wrong')).rejects.toMatchObject({ code: 'CONFLICT' });
  expect((await forceUnlock(dir, lock.holder.lockId)).lockId).toBe(lock.holder.lockId);
  await expect(forceUnlock(dir, lock.holder.lockId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await lock.release();
});
