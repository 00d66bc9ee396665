import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { parse as parseYaml } from 'yaml';
import { ApplianceError } from '../../errors.js';
import { type Digest, writeHashed } from './hashed-write.js';

/** Fixed mtime for chart entries: chart bytes must not depend on when or where they were built. */
const CHART_MTIME = new Date('2000-01-01T00:00:00Z');

/** Reads name and version from DIR/Chart.yaml. */
export async function chartIdentity(dir: string): Promise<{ name: string; version: string }> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(join(dir, 'Chart.yaml'), 'utf8'));
  } catch {
    throw new ApplianceError('NOT_FOUND', `${dir} has no readable Chart.yaml: not a Helm chart folder.`);
  }
  const { name, version } = (doc ?? {}) as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || typeof version !== 'string') throw new ApplianceError('VALIDATION', `${join(dir, 'Chart.yaml')} needs string name and version.`);
  return { name, version };
}

/**
 * Packages a chart folder like `helm package` but deterministically: entries under NAME/, sorted,
 * files only, mode 0644 (0755 if executable), owner 0:0 with no names, a fixed mtime, and gzip
 * with no file name or time in its header. Links are refused.
 */
export async function packChartDir(dir: string, dest: string, opts: { signal?: AbortSignal } = {}): Promise<Digest> {
  const { name } = await chartIdentity(dir);
  const files: { rel: string; full: string; size: number; mode: number }[] = [];
  async function walk(rel: string) {
    const here = rel ? join(dir, rel) : dir;
    for (const n of (await readdir(here)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const full = join(dir, r);
      const s = await lstat(full);
      if (s.isSymbolicLink()) throw new ApplianceError('VALIDATION', `chart ${dir}: ${r} is a symbolic link; charts are packaged without links.`);
      if (s.isDirectory()) await walk(r);
      else if (s.isFile()) files.push({ rel: r, full, size: s.size, mode: s.mode & 0o111 ? 0o755 : 0o644 });
    }
  }
  await walk('');
  const pack = tar.pack();
  const done = writeHashed(pack.pipe(createGzip({ level: 9 })), dest, { signal: opts.signal });
  for (const f of files) {
    await new Promise<void>((res, rej) => {
      const entry = pack.entry({ name: `${name}/${f.rel}`, size: f.size, mode: f.mode, mtime: CHART_MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file' }, (err) => (err ? rej(err) : res()));
      createReadStream(f.full).on('error', rej).pipe(entry);
    });
  }
  pack.finalize();
  return done;
}
