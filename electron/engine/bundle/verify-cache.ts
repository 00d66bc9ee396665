import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenedBundle } from './source-layout.js';
import type { SignatureResult } from './signature.js';

/** Bump when verification logic changes, so results of an older appliance are not reused. */
const CACHE_VERSION = 2;

/** What a passed verification leaves behind; the only thing that lets install use a bundle. */
export interface VerifiedRecord {
  cacheVersion: number;
  path: string;
  key: string;
  manifestSha256: string;
  verifiedAt: string;
  signature: SignatureResult;
  /** True when the bundle was accepted without a trusted signature (--allow-unsigned). */
  acceptedUnsigned: boolean;
  bytesHashed: number;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The cache key: absolute path, the identity (inode, size, mtime and ctime in ns) of every
 * file making up the bundle, the manifest digest and the trusted key set. Touching, replacing
 * or editing any file changes ctime at least, so the key no longer matches.
 */
export function cacheKey(b: OpenedBundle, trustedKeyIds: string[]): string {
  const manifest = b.manifestBytes ? sha256Hex(b.manifestBytes) : '';
  return sha256Hex(JSON.stringify({ v: CACHE_VERSION, path: b.path, layout: b.layout, files: b.fingerprint, manifest, keys: [...trustedKeyIds].sort() }));
}

function fileFor(cacheDir: string, bundlePath: string): string {
  return join(cacheDir, 'bundle-verify', `${sha256Hex(bundlePath)}.json`);
}

export async function readRecord(cacheDir: string, bundlePath: string): Promise<VerifiedRecord | null> {
  try {
    const r = JSON.parse(await readFile(fileFor(cacheDir, bundlePath), 'utf8')) as VerifiedRecord;
    return r.cacheVersion === CACHE_VERSION && r.path === bundlePath ? r : null;
  } catch {
    return null;
  }
}

export async function writeRecord(cacheDir: string, record: Omit<VerifiedRecord, 'cacheVersion'>): Promise<void> {
  const file = fileFor(cacheDir, record.path);
  await mkdir(join(cacheDir, 'bundle-verify'), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ cacheVersion: CACHE_VERSION, ...record }, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}

export async function dropRecord(cacheDir: string, bundlePath: string): Promise<void> {
  await rm(fileFor(cacheDir, bundlePath), { force: true });
}
