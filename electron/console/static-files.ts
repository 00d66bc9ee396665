import { open, stat, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.mjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Resolves a URL path inside `root`, or null when it would escape it (`..`, encoded
 * separators) or does not exist. Unknown paths without an extension fall back to index.html
 * so the app's own routes survive a reload.
 */
export async function resolveStatic(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const base = resolve(root);
  const candidate = resolve(join(base, normalize(decoded)));
  if (candidate !== base && !candidate.startsWith(base + sep)) return null;
  const file = (await isFile(candidate)) ? candidate : extname(decoded) === '' ? join(base, 'index.html') : null;
  return file && (await isFile(file)) ? file : null;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The Content-Type for a file of the built renderer, shared by the console and the app:// handler. */
export function contentType(file: string): string {
  return TYPES[extname(file)] ?? 'application/octet-stream';
}

/**
 * Sends `file` with status 200, or returns false (nothing sent) when it is no longer a regular
 * file. The file is opened first and the open descriptor is checked, so a file that vanishes
 * or turns into a folder after resolveStatic answers a 404 instead of failing mid-read. A read
 * that fails anyway (I/O error) ends this response only and is reported through onError.
 */
export async function sendFile(res: ServerResponse, file: string, headers: Record<string, string>, onError: (e: Error) => void): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return false;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new Error('not a regular file');
  } catch {
    await handle.close().catch(() => {});
    return false;
  }
  res.writeHead(200, { 'Content-Type': contentType(file), ...headers });
  pipeline(handle.createReadStream(), res, (e) => {
    // A browser that goes away mid-file is not worth a log line.
    if (e && (e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') onError(e);
  });
  return true;
}
