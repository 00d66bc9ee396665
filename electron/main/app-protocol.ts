import { readFile } from 'node:fs/promises';
import { contentType, resolveStatic } from '../console/static-files.js';
import { APP_ORIGIN, originOf } from './app-origin.js';

/**
 * The policy the app:// handler sends as a header. It matches the meta tag of the built
 * index.html (test/unit/csp.test.ts checks the built file): only the app's own scripts and
 * styles, no inline code, no eval, no plugins, no frames of others, and no network at all —
 * the renderer reaches the engine through the preload bridge, never through fetch.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': APP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/**
 * Answers one request to the app scheme from the built renderer directory. Only GET/HEAD of
 * the app origin itself; the path is resolved by the console's resolveStatic, so `..`,
 * encoded separators and NUL bytes cannot leave `rendererDir`. Pure apart from reading the
 * file, so it is unit-tested without Electron; main.ts wraps it in a web Response.
 */
export async function serveAppRequest(req: { url: string; method: string }, rendererDir: string, appOrigin: string = APP_ORIGIN): Promise<AppResponse> {
  const text = (status: number, body: string): AppResponse => ({ status, headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }, body });
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Method not allowed.');
  if (originOf(req.url) !== originOf(appOrigin)) return text(404, 'Not found.');
  const file = await resolveStatic(rendererDir, new URL(req.url).pathname);
  if (!file) return text(404, 'Not found.');
  const body = req.method === 'HEAD' ? '' : await readFile(file);
  return { status: 200, headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': contentType(file) }, body };
}
