/**
 * The app's own origin. The renderer is served from a privileged custom scheme instead of
 * file:// (file pages can read any local file and share one origin with every other file).
 * Every security decision in main compares parsed origins against this one value.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'appliance';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * The origin of a URL as Chromium would compute it, or null when the URL has no origin we
 * could ever trust (unparseable, file:, data:, javascript:, blob:, about:, credentials in it).
 *
 * Node's WHATWG URL reports `origin === "null"` for every non-special scheme, so for our own
 * scheme the origin is rebuilt from the parsed protocol and host; the host is lowercased
 * because Chromium treats a standard scheme's host case-insensitively (Node keeps the case
 * of an opaque host). Never compare URLs with startsWith: `app://appliance.evil` and
 * `app://appliance@evil` both start with the app origin.
 */
export function originOf(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (u.username !== '' || u.password !== '') return null;
  if (u.protocol === 'https:' || u.protocol === 'http:') return u.origin;
  if (u.protocol === `${APP_SCHEME}:`) {
    if (u.host === '') return null;
    return `${u.protocol}//${u.host.toLowerCase()}`;
  }
  return null;
}

