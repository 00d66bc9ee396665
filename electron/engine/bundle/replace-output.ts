import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ApplianceError } from '../errors.js';
import { MAX_MANIFEST_BYTES, PartsFile } from './manifest.js';
import { BLOB_DIR, MANIFEST_FILE, SIGNATURE_FILE } from './paths.js';
import { openBundle } from './source-layout.js';
import { clip, parseUntrustedJson } from './untrusted.js';

/** What `build --out` writes: a folder, one .tar, or a .tar split into parts with NAME.parts.json. */
export type OutputLayout = 'dir' | 'tar' | 'parts';

/**
 * The existing files `build --force` would replace at `out`, after checking that each is
 * recognisably an earlier bundle output (never follows links); throws CONFLICT naming the path
 * and why otherwise, so `--force` never deletes a folder or file that is not a bundle.
 * Returns [] when nothing is there.
 */
export async function replaceablePaths(out: string, layout: OutputLayout): Promise<string[]> {
  if (layout === 'dir') return (await isBundleDir(out)) ? [out] : [];
  if (layout === 'tar') return (await isBundleTar(out)) ? [out] : [];
  return partsOf(out);
}

/** Removes what `replaceablePaths` allows (checked again: the build may have taken an hour). */
export async function removeReplaceable(out: string, layout: OutputLayout): Promise<void> {
  for (const p of await replaceablePaths(out, layout)) await rm(p, { recursive: layout === 'dir', force: true });
}

function refuse(path: string, why: string): never {
  throw new ApplianceError('CONFLICT', `Refusing to replace ${path} with --force: ${why}, so it is not an earlier bundle output. Move it away or choose another --out.`, { path });
}

/** Only manifest.json, manifest.sig and blobs/sha256/<64 hex> regular files (or nothing at all). */
async function isBundleDir(out: string): Promise<boolean> {
  const st = await lstat(out).catch(() => null);
  if (!st) return false;
  if (st.isSymbolicLink()) refuse(out, 'it is a symbolic link');
  if (!st.isDirectory()) refuse(out, 'it is a file, and this build writes a folder');
  const top = await readdir(out);
  if (top.length === 0) return true;
  if (!top.includes(MANIFEST_FILE)) refuse(out, `it has no ${MANIFEST_FILE}`);
  for (const name of top) {
    const s = await lstat(join(out, name));
    if ((name === MANIFEST_FILE || name === SIGNATURE_FILE) && s.isFile()) continue;
    if (name === 'blobs' && s.isDirectory()) continue;
    refuse(out, `it holds ${JSON.stringify(clip(name, 80))}, which a bundle never does`);
  }
  const blobs = join(out, 'blobs');
  if (!top.includes('blobs')) return true;
  for (const name of await readdir(blobs)) {
    if (name !== basename(BLOB_DIR) || !(await lstat(join(blobs, name))).isDirectory()) refuse(out, `it holds blobs/${clip(name, 80)}, which a bundle never does`);
  }
  const sha = join(out, BLOB_DIR);
  for (const name of await readdir(sha).catch(() => [])) {
    if (!/^[0-9a-f]{64}$/.test(name) || !(await lstat(join(sha, name))).isFile()) refuse(out, `it holds ${BLOB_DIR}/${clip(name, 80)}, which is not a blob named by its digest`);
  }
  return true;
}

/** A tar holding exactly a bundle (manifest.json, optional manifest.sig, blobs), nothing else. */
async function isBundleTar(out: string): Promise<boolean> {
  const st = await lstat(out).catch(() => null);
  if (!st) return false;
  if (st.isSymbolicLink()) refuse(out, 'it is a symbolic link');
  if (!st.isFile()) refuse(out, 'it is not a regular file');
  const opened = await openBundle(out).catch((e: Error) => refuse(out, `it could not be read as a bundle tar (${clip(e.message)})`));
  if (opened.layout !== 'tar' || !opened.manifestBytes || opened.problems.length) refuse(out, `it is not a bundle tar (${clip(opened.problems[0]?.message ?? 'no manifest.json entry')})`);
  return true;
}

/** NAME.parts.json naming this tar, and the parts it lists; any other NAME.tar.part-NNN is refused. */
async function partsOf(out: string): Promise<string[]> {
  const dir = dirname(out);
  const tarName = basename(out);
  const partsJson = `${out.slice(0, -'.tar'.length)}.parts.json`;
  const partName = new RegExp(`^${tarName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.part-\\d{3,}$`);
  const present = (await readdir(dir).catch(() => [] as string[])).filter((n) => partName.test(n));
  const listed = new Set<string>();
  const st = await lstat(partsJson).catch(() => null);
  if (st) {
    if (!st.isFile()) refuse(partsJson, 'it is not a regular file');
    if (st.size > MAX_MANIFEST_BYTES) refuse(partsJson, `it is ${st.size} bytes`);
    let parsed;
    try {
      parsed = PartsFile.safeParse(parseUntrustedJson(await readFile(partsJson), basename(partsJson)));
    } catch (e) {
      refuse(partsJson, clip((e as Error).message));
    }
    if (!parsed.success || parsed.data.file !== tarName) refuse(partsJson, `it does not describe parts of ${tarName}`);
    for (const p of parsed.data.parts) {
      if (!partName.test(p.file)) refuse(partsJson, `it lists ${JSON.stringify(clip(p.file, 80))}, which is not a part of ${tarName}`);
      listed.add(p.file);
    }
  }
  for (const n of present) {
    if (!listed.has(n)) refuse(join(dir, n), st ? `${basename(partsJson)} does not list it` : `there is no ${basename(partsJson)} listing it`);
    if (!(await lstat(join(dir, n))).isFile()) refuse(join(dir, n), 'it is not a regular file');
  }
  return [...(st ? [partsJson] : []), ...present.map((n) => join(dir, n))];
}
