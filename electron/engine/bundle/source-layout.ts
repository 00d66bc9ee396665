import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ApplianceError } from '../errors.js';
import { ByteSource, type Segment } from './byte-source.js';
import { MAX_MANIFEST_BYTES, PartsFile } from './manifest.js';
import { ALLOWED_DIRS, BLOB_DIR, MANIFEST_FILE, SIGNATURE_FILE } from './paths.js';
import { indexTar } from './tar-index.js';
import { clip, issueText, parseUntrustedJson } from './untrusted.js';

export type BundleLayout = 'dir' | 'tar' | 'parts';

/** A structural problem found while opening a bundle (before any hashing). */
export interface LayoutProblem {
  code: 'unsafe-entry' | 'symlink' | 'extra-file' | 'special-file' | 'tar-corrupt' | 'part-missing' | 'part-size' | 'parts-invalid' | 'manifest-missing' | 'too-large';
  message: string;
  path?: string;
}

export interface PartState {
  file: string;
  path: string;
  size: number;
  sha256: string;
  status: 'ok' | 'missing' | 'size-mismatch' | 'corrupt' | 'not-checked';
  actualSize?: number;
}

/**
 * A bundle opened for reading, whatever its layout: the manifest and signature bytes, every
 * regular file under blobs/ with where its bytes are, the problems found in the layout itself,
 * and a fingerprint of every file's identity (inode, size, mtime and ctime in ns) for the cache.
 */
export interface OpenedBundle {
  layout: BundleLayout;
  /** Absolute, real path of what was opened (folder, .tar or .parts.json). */
  path: string;
  manifestBytes: Buffer | null;
  sigBytes: Buffer | null;
  /** Blob files by bundle-relative name ("blobs/sha256/<hex>"). */
  files: Map<string, { size: number; segments: Segment[] }>;
  problems: LayoutProblem[];
  fingerprint: string;
  parts?: PartState[];
  /** Size on disk of everything that makes up the bundle. */
  totalBytes: number;
  close(): Promise<void>;
}

/** Decides the layout from the path: a folder, a .tar, a .parts.json, or one of the parts. */
export async function openBundle(path: string): Promise<OpenedBundle> {
  const abs = resolve(path);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new ApplianceError('NOT_FOUND', `Bundle ${path} does not exist.`);
  }
  if (st.isDirectory()) return openDir(await realpath(abs));
  const partMatch = /^(.*)\.tar\.part-\d{3,}$/.exec(abs);
  if (abs.endsWith('.parts.json')) return openParts(abs);
  if (partMatch) return openParts(`${partMatch[1]}.parts.json`);
  if (st.isFile()) return openTar(await realpath(abs));
  throw new ApplianceError('VALIDATION', `${path} is neither a bundle folder, a .tar, nor a split bundle's .parts.json.`);
}

function idOf(s: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

async function openDir(root: string): Promise<OpenedBundle> {
  const problems: LayoutProblem[] = [];
  const files = new Map<string, { size: number; segments: Segment[] }>();
  const ids: string[] = [];
  let manifestBytes: Buffer | null = null;
  let sigBytes: Buffer | null = null;
  let totalBytes = 0;

  // lstat every entry: never follow a link, so nothing outside the folder is ever read.
  async function walk(rel: string): Promise<void> {
    const dir = rel === '.' ? root : join(root, rel);
    const names = (await readdir(dir)).sort();
    for (const n of names) {
      const r = rel === '.' ? n : `${rel}/${n}`;
      const full = join(root, r);
      const s = await lstat(full, { bigint: true });
      ids.push(`${r}=${idOf(s)}`);
      if (s.isSymbolicLink()) {
        const target = await realpath(full).catch(() => null);
        const inside = target !== null && (target === root || target.startsWith(root + sep));
        problems.push({ code: 'symlink', path: r, message: `${r} is a symbolic link ${inside ? 'inside the bundle' : `pointing outside the bundle (${target ?? 'dangling'})`}; bundles hold only regular files.` });
      } else if (s.isDirectory()) {
        if (ALLOWED_DIRS.has(r)) await walk(r);
        else problems.push({ code: 'extra-file', path: r, message: `${r}/ is not part of a bundle (unlisted folder).` });
      } else if (s.isFile()) {
        totalBytes += Number(s.size);
        if (r === MANIFEST_FILE) manifestBytes = await readSmall(full, r, problems);
        else if (r === SIGNATURE_FILE) sigBytes = await readSmall(full, r, problems);
        else if (dirname(r) === BLOB_DIR) files.set(r, { size: Number(s.size), segments: [{ file: full, start: 0, length: Number(s.size) }] });
        else problems.push({ code: 'extra-file', path: r, message: `${r} is not listed in the manifest (extra file).` });
      } else {
        problems.push({ code: 'special-file', path: r, message: `${r} is a device, FIFO or socket; bundles hold only regular files.` });
      }
    }
  }
  await walk('.');
  if (!manifestBytes) problems.push({ code: 'manifest-missing', path: MANIFEST_FILE, message: `${root} has no manifest.json: not a bundle.` });
  return { layout: 'dir', path: root, manifestBytes, sigBytes, files, problems, fingerprint: hashIds(ids), totalBytes, close: async () => {} };
}

async function readSmall(file: string, rel: string, problems: LayoutProblem[]): Promise<Buffer | null> {
  const s = await stat(file);
  if (s.size > MAX_MANIFEST_BYTES) {
    problems.push({ code: 'too-large', path: rel, message: `${rel} is ${s.size} bytes; refusing to read it.` });
    return null;
  }
  return readFile(file);
}

function hashIds(ids: string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('hex');
}

async function openTar(file: string): Promise<OpenedBundle> {
  const s = await stat(file, { bigint: true });
  const src = new ByteSource([{ file, size: Number(s.size) }]);
  return readTarContents(src, 'tar', file, hashIds([idOf(s)]), Number(s.size));
}

async function openParts(partsJson: string): Promise<OpenedBundle> {
  const size = (await stat(partsJson).catch(() => null))?.size;
  if (size === undefined) throw new ApplianceError('NOT_FOUND', `${partsJson} is missing: a split bundle needs its .parts.json beside the parts.`);
  if (size > MAX_MANIFEST_BYTES) throw new ApplianceError('INTEGRITY', `${partsJson} is ${size} bytes; refusing to read it.`);
  const parsed = PartsFile.safeParse(parseUntrustedJson(await readFile(partsJson), basename(partsJson)));
  if (!parsed.success) throw new ApplianceError('INTEGRITY', issueText(basename(partsJson), parsed.error));
  const dir = dirname(partsJson);
  const problems: LayoutProblem[] = [];
  const parts: PartState[] = [];
  const ids = [idOf(await stat(partsJson, { bigint: true }))];
  for (const p of parsed.data.parts) {
    if (p.file !== basename(p.file) || p.file.startsWith('.')) {
      throw new ApplianceError('INTEGRITY', `${basename(partsJson)} names part "${clip(p.file)}", which is not a plain file name beside it.`);
    }
    const path = join(dir, p.file);
    const st = await stat(path, { bigint: true }).catch(() => null);
    if (!st || !st.isFile()) {
      parts.push({ ...p, path, status: 'missing' });
      problems.push({ code: 'part-missing', path: p.file, message: `part ${p.file} is missing (expected ${p.size} bytes beside ${basename(partsJson)}).` });
      continue;
    }
    ids.push(idOf(st));
    if (Number(st.size) !== p.size) {
      parts.push({ ...p, path, status: 'size-mismatch', actualSize: Number(st.size) });
      problems.push({ code: 'part-size', path: p.file, message: `part ${p.file} is ${st.size} bytes, expected ${p.size} (truncated or corrupt).` });
      continue;
    }
    parts.push({ ...p, path, status: 'not-checked' });
  }
  const total = parsed.data.parts.reduce((n, p) => n + p.size, 0);
  if (total !== parsed.data.size) problems.push({ code: 'parts-invalid', message: `${basename(partsJson)}: parts add up to ${total} bytes, but the whole is ${parsed.data.size}.` });
  if (problems.length) {
    return { layout: 'parts', path: partsJson, manifestBytes: null, sigBytes: null, files: new Map(), problems, fingerprint: hashIds(ids), parts, totalBytes: total, close: async () => {} };
  }
  const src = new ByteSource(parts.map((p) => ({ file: p.path, size: p.size })));
  const opened = await readTarContents(src, 'parts', partsJson, hashIds(ids), total);
  return { ...opened, parts };
}

/** Reads the tar's index, manifest and signature; blob entries become byte ranges. */
async function readTarContents(src: ByteSource, layout: BundleLayout, path: string, fingerprint: string, totalBytes: number): Promise<OpenedBundle> {
  const problems: LayoutProblem[] = [];
  const files = new Map<string, { size: number; segments: Segment[] }>();
  let manifestBytes: Buffer | null = null;
  let sigBytes: Buffer | null = null;
  try {
    const index = await indexTar(src);
    for (const p of index.problems) problems.push({ code: p.includes('corrupt') || p.includes('truncated') || p.includes('end-of-archive') ? 'tar-corrupt' : 'unsafe-entry', message: p });
    for (const e of index.entries) {
      const shown = clip(e.name);
      if (e.type === 'dir') {
        if (!ALLOWED_DIRS.has(e.name)) problems.push({ code: 'extra-file', path: shown, message: `tar entry ${shown}/ is not part of a bundle (unlisted folder).` });
      } else if (e.name === MANIFEST_FILE || e.name === SIGNATURE_FILE) {
        if (e.size > MAX_MANIFEST_BYTES) problems.push({ code: 'too-large', path: e.name, message: `${e.name} is ${e.size} bytes; refusing to read it.` });
        else if (e.name === MANIFEST_FILE) manifestBytes = await src.read(e.offset, e.size);
        else sigBytes = await src.read(e.offset, e.size);
      } else if (dirname(e.name) === BLOB_DIR) {
        files.set(e.name, { size: e.size, segments: src.segments(e.offset, e.size) });
      } else {
        problems.push({ code: 'extra-file', path: shown, message: `tar entry ${shown} is not listed in the manifest (extra file).` });
      }
    }
  } finally {
    await src.close();
  }
  if (!manifestBytes && !problems.some((p) => p.code === 'tar-corrupt')) problems.push({ code: 'manifest-missing', path: MANIFEST_FILE, message: `${relative(process.cwd(), path) || path} has no manifest.json entry: not a bundle.` });
  return { layout, path, manifestBytes, sigBytes, files, problems, fingerprint, totalBytes, close: async () => {} };
}
