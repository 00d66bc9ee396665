import { isIPv6 } from 'node:net';

/**
 * Validators for the two host fields that end up on an ssh command line or in a TCP connect:
 * the address and the login user. They are strict on purpose: a value like `$(touch /tmp/x)`,
 * `root;id` or `-oProxyCommand=x` is refused where it is typed and where site.yaml is read,
 * so it never reaches a shell or an option parser. Each returns null when the value is
 * acceptable, else the reason in words a field engineer can act on.
 * See docs/sites-and-targets.md ("Host addresses and users").
 */

/** RFC 1035/1123: a whole name up to 253 characters, each label 1-63. */
const MAX_NAME = 253;
const MAX_LABEL = 63;
/** Linux (shadow's useradd) limits login names to 32 characters. */
const MAX_USER = 32;

/** Quotes an untrusted value for a message, bounded so a huge value cannot flood output. */
export function quoteValue(v: string, max = 40): string {
  const s = JSON.stringify(v.length > max ? v.slice(0, max) : v);
  return v.length > max ? `${s.slice(0, -1)}..." (${v.length} characters)` : s;
}

/** The first character of `v` not matched by `allowed`, described for a message, or null. */
function firstBadChar(v: string, allowed: RegExp): string | null {
  for (const ch of v) {
    if (allowed.test(ch)) continue;
    const c = ch.codePointAt(0)!;
    if (c === 0x20) return 'a space';
    if (c > 0x20 && c < 0x7f) return `"${ch}"`;
    return `the character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return null;
}

/** Checks an IPv4 dotted quad; null when valid. `parts` are the dot-separated pieces. */
function ipv4Problem(parts: string[]): string | null {
  if (parts.length !== 4) return `an IPv4 address has 4 numbers separated by dots, this has ${parts.length}`;
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return `"${p}" is not a number 0-255`;
    if (p.length > 1 && p.startsWith('0')) return `"${p}" has a leading zero (some tools read it as octal); write it without`;
    if (Number(p) > 255) return `${p} is greater than 255`;
  }
  return null;
}

/**
 * Why `v` is not an acceptable host address (IPv4 literal, IPv6 literal or RFC 1123 host name),
 * or null. Decisions: a trailing dot is refused (write the name without it); IPv6 zone ids
 * (`fe80::1%eth0`) are refused because they name an interface of one machine, not the host;
 * brackets are refused (the port is a separate field); names must be ASCII (use the xn-- form).
 */
export function addressProblem(v: string): string | null {
  if (v.length === 0) return 'it is empty';
  if (v.length > MAX_NAME) return `it has ${v.length} characters; a host name has at most ${MAX_NAME}`;
  if (v.startsWith('[') || v.endsWith(']')) return 'write an IPv6 address without brackets (the port is a separate field)';
  if (v.includes('%')) return 'IPv6 zone ids ("%eth0") are not supported: they name an interface of this machine; use a global or unique-local address or a host name';
  if (v.includes(':')) return isIPv6(v) ? null : 'it contains ":" but is not a valid IPv6 address (the port is a separate field)';
  if (v.startsWith('-')) return 'it starts with "-" (it would read as an option)';
  const bad = firstBadChar(v, /[A-Za-z0-9.-]/);
  if (bad) return `${bad} cannot appear in a host name (ASCII letters, digits, dashes and dots only; write an international name in its xn-- form)`;
  if (v.endsWith('.')) return 'it ends with a dot; write the name without the trailing dot';
  const labels = v.split('.');
  // A name whose last part is a number is meant as an IPv4 address (as URL parsers decide).
  if (/^\d+$/.test(labels[labels.length - 1]!)) {
    const p = ipv4Problem(labels);
    return p ? `not a valid IPv4 address: ${p}` : null;
  }
  for (const l of labels) {
    if (l.length === 0) return v.startsWith('.') ? 'it starts with a dot' : 'it has an empty part between two dots ("..")';
    if (l.length > MAX_LABEL) return `the part "${l.slice(0, 20)}..." has ${l.length} characters; each part between dots has at most ${MAX_LABEL}`;
    if (l.startsWith('-') || l.endsWith('-')) return `the part "${l}" starts or ends with "-"`;
  }
  return null;
}

/**
 * Why `v` is not an acceptable SSH login user, or null. The POSIX portable set, as shadow's
 * useradd checks it, with two widenings and one narrowing: upper case letters and dots are
 * allowed (directory-joined servers have users like "John.Smith"); the trailing "$" of Samba
 * machine accounts is refused (such accounts cannot log in over SSH).
 */
export function userProblem(v: string): string | null {
  if (v.length === 0) return 'it is empty';
  if (v.length > MAX_USER) return `it has ${v.length} characters; a Linux user name has at most ${MAX_USER}`;
  if (v.startsWith('-')) return 'it starts with "-" (it would read as an option)';
  const bad = firstBadChar(v, /[A-Za-z0-9_.-]/);
  if (bad) return `${bad} cannot appear in a user name (ASCII letters, digits, "_", "-" and "." only)`;
  if (!/^[A-Za-z_]/.test(v)) return 'it must start with a letter or "_"';
  return null;
}
