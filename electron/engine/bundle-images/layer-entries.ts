import { existsSync } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError, throwIfAborted } from '../errors.js';

/**
 * One entry of an image layer, in the order it will be written. Paths are relative to the
 * layer root, use '/', and never start with '/' or './'.
 */
export interface LayerEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files only; 0 otherwise). */
  size: number;
  /** Symlink target, or the earlier path of a hard link (type 'link'). */
  linkname?: string;
  /** Absolute path to read the content from (regular files only). */
  source?: string;
}

/** Prefix Docker uses to mark a deleted path in a layer (OCI image spec, "whiteouts"). */
export const WHITEOUT_PREFIX = '.wh.';
/** Marker file that makes a directory opaque: lower layers' contents of it are hidden. */
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface CollectOptions {
  /**
   * 'overlay': the directory is an overlayfs upper dir; a 0/0 character device means "deleted"
   * and becomes a `.wh.<name>` file, a directory in `opaqueDirs` gets a `.wh..wh..opq` marker.
   * 'none': the directory is a plain tree (a base layer).
   */
  whiteouts?: 'overlay' | 'none';
  /** Relative paths of opaque directories (see parseOpaqueDirs). */
  opaqueDirs?: ReadonlySet<string>;
  /**
   * The overlay's lower dir. overlayfs also marks directories it creates fresh as opaque; a
   * marker only matters where the lower layer has that directory, so others are left out.
   */
  lowerRoot?: string;
  /** Return true to leave a relative path (and everything under it) out of the layer. */
  exclude?: (relPath: string, isDir: boolean) => boolean;
  signal?: AbortSignal;
}

/** Byte-wise comparison so the order does not depend on the locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Walks `root` depth-first, siblings sorted by name, and returns the layer entries: parents
 * before children, hard links pointing at the first path seen, devices and sockets left out
 * (the container runtime provides /dev). The order only depends on the tree's contents, which
 * is what makes the layer's digest reproducible.
 */
export async function collectLayerEntries(root: string, opts: CollectOptions = {}): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  const seenInodes = new Map<string, string>();
  const overlay = opts.whiteouts === 'overlay';

  async function walk(absDir: string, relDir: string): Promise<void> {
    throwIfAborted(opts.signal);
    let names: string[];
    try {
      names = (await readdir(absDir)).sort(byName);
    } catch (e) {
      throw new ApplianceError('NOT_FOUND', `Cannot read the folder ${absDir} while building an image layer.`, { cause: String(e) });
    }
    for (const name of names) {
      const abs = join(absDir, name);
      const rel = relDir ? `${relDir}/${name}` : name;
      const st = await lstat(abs);
      const isDir = st.isDirectory();
      if (opts.exclude?.(rel, isDir)) continue;
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0 };
      if (isDir) {
        out.push({ path: rel, type: 'directory', ...base });
        if (overlay && opts.opaqueDirs?.has(rel) && (!opts.lowerRoot || existsSync(join(opts.lowerRoot, rel)))) {
          out.push({ path: `${rel}/${OPAQUE_MARKER}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0 });
        }
        await walk(abs, rel);
      } else if (st.isSymbolicLink()) {
        out.push({ path: rel, type: 'symlink', ...base, linkname: await readlink(abs) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seenInodes.get(key) : undefined;
        if (first !== undefined) {
          out.push({ path: rel, type: 'link', ...base, linkname: first });
        } else {
          if (st.nlink > 1) seenInodes.set(key, rel);
          out.push({ path: rel, type: 'file', ...base, size: st.size, source: abs });
        }
      } else if (st.isCharacterDevice() && overlay && st.rdev === 0) {
        const parent = relDir ? `${relDir}/` : '';
        out.push({ path: `${parent}${WHITEOUT_PREFIX}${name}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0 });
      } else if (st.isFIFO()) {
        out.push({ path: rel, type: 'fifo', ...base });
      }
      // Other devices and sockets are runtime objects, never image content.
    }
  }

  await walk(root, '');
  return out;
}

/**
 * Parses `getfattr -R -d -m '^trusted\.overlay\.opaque$' --absolute-names` output into the set of
 * opaque directories relative to `root`. getfattr escapes unusual bytes as backslash-octal.
 */
export function parseOpaqueDirs(getfattrOutput: string, root: string): Set<string> {
  const dirs = new Set<string>();
  const prefix = root.endsWith('/') ? root : `${root}/`;
  let current: string | null = null;
  for (const line of getfattrOutput.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = unescapeOctal(line.slice('# file: '.length));
    } else if (current && /^trusted\.overlay\.opaque="y"$/.test(line.trim())) {
      if (current.startsWith(prefix)) dirs.add(current.slice(prefix.length).replace(/\/$/, ''));
    }
  }
  return dirs;
}

function unescapeOctal(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(s[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
