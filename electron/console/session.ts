import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The console's session: a random token and a random path prefix. Browsers do not isolate
 * cookies by port, so a cookie with Path=/ on 127.0.0.1 would reach every local web service
 * the browser visits. The cookie's Path is the prefix instead: only requests under this
 * unguessable path carry it, and only this console serves that path.
 */
export interface ConsoleSession {
  token: string;
  /** `/s/<random>/`: the app and its WebSocket live under it, nothing else does. */
  prefix: string;
}

export function newSession(token?: string): ConsoleSession {
  return { token: token ?? randomBytes(24).toString('base64url'), prefix: `/s/${randomBytes(18).toString('base64url')}/` };
}

export const COOKIE_NAME = 'appliance_session';

export function sessionCookie(s: ConsoleSession): string {
  return `${COOKIE_NAME}=${s.token}; Path=${s.prefix}; HttpOnly; SameSite=Strict`;
}

/**
 * The request target as a URL, or null when it is not origin-form (`/path?query`). Absolute
 * form (`http://host/...`), authority form and garbage such as `http://[/` are refused here,
 * before anything else looks at the request; parsing never throws.
 */
export function parseTarget(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null;
  try {
    // Prefixing a fixed origin keeps `//host/...` a path instead of a scheme-relative URL.
    return new URL(`http://console${target}`);
  } catch {
    return null;
  }
}

/** 'query' when the token came in the URL (the first visit), 'cookie' after that, else false. */
export function tokenSource(s: ConsoleSession, req: IncomingMessage, url: URL): 'query' | 'cookie' | false {
  if (safeEqual(url.searchParams.get('token'), s.token)) return 'query';
  if (safeEqual(readCookie(req.headers.cookie, COOKIE_NAME), s.token)) return 'cookie';
  return false;
}

function safeEqual(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}
