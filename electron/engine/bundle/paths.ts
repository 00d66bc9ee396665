/** Rules for names inside a bundle (directory entries, tar entry names, manifest paths). */

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const BLOB_DIR = 'blobs/sha256';

/** The one place a blob with this digest may live. */
export function blobPath(sha256: string): string {
  return `${BLOB_DIR}/${sha256}`;
}

/**
 * Why a relative name is unsafe, or null if it is a plain relative path that stays inside:
 * no absolute paths, no drive letters or backslashes, no `..` or empty segments, no NUL.
 */
export function unsafeReason(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name) || name.includes('\\')) return 'is a Windows path';
  const segments = name.split('/');
  if (segments.includes('..')) return 'contains ".." (escapes the bundle)';
  if (segments.some((s, i) => s === '' && i !== segments.length - 1)) return 'has an empty path segment';
  return null;
}

/** Normalises a tar entry name: drops a leading "./" and a trailing "/". "." stays ".". */
export function normalizeEntryName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  while (n.length > 1 && n.endsWith('/')) n = n.slice(0, -1);
  return n === '' ? '.' : n;
}

/** Directories a bundle may contain (besides the root). */
export const ALLOWED_DIRS = new Set(['.', 'blobs', BLOB_DIR]);
