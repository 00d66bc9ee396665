import type { z } from 'zod';
import { ApplianceError } from '../errors.js';

/**
 * Reading JSON a bundle brings (manifest.json, manifest.sig, NAME.parts.json) before anything
 * trusts it: nesting depth is checked before parsing, so nothing recurses into a hostile
 * document, and every value quoted back in a message is clipped, so a 15 MB string never
 * reaches a report, a log line or an event.
 */

/** Longest piece of untrusted text quoted in a message. */
export const MAX_QUOTED = 200;
/** A manifest nests 4 deep (root, artifacts, artifact, topologies); anything far deeper is hostile. */
export const MAX_JSON_DEPTH = 16;

/** `s` cut to `max` characters, with an ellipsis and the original length when cut. */
export function clip(s: string, max = MAX_QUOTED): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}

/** A one-line description of an untrusted value that never recurses into it. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(clip(v));
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length} item(s)`;
  return `a ${typeof v}`;
}

/**
 * Throws INTEGRITY when JSON text nests deeper than `max` arrays/objects. A byte scan (quotes
 * and backslashes are ASCII, never part of a multi-byte UTF-8 sequence): linear, no recursion.
 */
export function assertJsonDepth(bytes: Buffer, what: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new ApplianceError('INTEGRITY', `${what} nests arrays or objects more than ${max} deep (at byte ${i}); refusing to read it.`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/** Parses untrusted JSON: depth checked first; errors are INTEGRITY with a clipped message. */
export function parseUntrustedJson(bytes: Buffer, what: string, maxDepth = MAX_JSON_DEPTH): unknown {
  assertJsonDepth(bytes, what, maxDepth);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ApplianceError('INTEGRITY', `${what} is not valid JSON (${clip((e as Error).message)}).`);
  }
}

/** "what: path: message" for the first schema issue, every part clipped (zod quotes values and keys). */
export function issueText(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${what}: invalid.`;
  const path = issue.path.map((p) => clip(String(p), 64)).join('.') || '(root)';
  return `${what}: ${clip(path)}: ${clip(issue.message)}.`;
}
