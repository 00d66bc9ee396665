import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseManifest } from './manifest.js';
import { openBundle } from './source-layout.js';

export interface FoundBundle {
  path: string;
  layout: 'dir' | 'tar' | 'parts';
  name?: string;
  version?: string;
  signed: boolean;
  totalBytes: number;
  /** Why it could not be read, if it could not. */
  error?: string;
}

/**
 * Bundles found in the given folders and two levels below (bundles/out/demo under bundles/):
 * folders holding manifest.json, *.tar bundles and *.parts.json files (tars that are not
 * bundles, e.g. docker-archives, are left out). Reads only manifests and tar headers (no hashing).
 */
export async function listBundles(dirs: string[]): Promise<FoundBundle[]> {
  const candidates = new Set<string>();
  for (const d of dirs) {
    for (const c of await scan(resolve(d), 2)) candidates.add(c);
  }
  const out: FoundBundle[] = [];
  for (const c of [...candidates].sort()) {
    try {
      const b = await openBundle(c);
      let m: ReturnType<typeof parseManifest> | undefined;
      try {
        m = b.manifestBytes ? parseManifest(b.manifestBytes) : undefined;
      } catch (e) {
        // A tar that is not a bundle (a docker-archive has its own manifest.json): not listed.
        if (b.layout === 'tar') continue;
        throw e;
      }
      if (!m && b.layout === 'tar' && !b.problems.some((p) => p.code === 'tar-corrupt')) continue;
      out.push({ path: b.path, layout: b.layout, name: m?.name, version: m?.version, signed: b.sigBytes !== null, totalBytes: b.totalBytes, ...(m ? {} : { error: b.problems[0]?.message ?? 'no manifest.json' }) });
    } catch (e) {
      out.push({ path: c, layout: c.endsWith('.parts.json') ? 'parts' : c.endsWith('.tar') ? 'tar' : 'dir', signed: false, totalBytes: 0, error: (e as Error).message });
    }
  }
  return out;
}

async function scan(dir: string, depth: number): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  if (names.includes('manifest.json')) return [dir];
  if (depth === 0) return [];
  const found: string[] = [];
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    const p = join(dir, n);
    if (n.endsWith('.tar') || n.endsWith('.parts.json')) {
      if ((await stat(p).catch(() => null))?.isFile()) found.push(p);
    } else if ((await stat(p).catch(() => null))?.isDirectory()) {
      found.push(...(await scan(p, depth - 1)));
    }
  }
  return found;
}
