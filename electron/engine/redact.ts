import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Secret redaction for everything that leaves the engine as text: logs, events, audit lines,
 * error messages, diagnostic bundles. Two layers: exact values registered when secrets are
 * decrypted or generated (passwords, tokens), and patterns for secrets we never registered
 * (PEM private keys, `password=...` style assignments, bearer tokens).
 *
 * Registered values live either for the process (the CLI: one engineer, one command) or in a
 * scope (the GUI hosts: a site open while calls on it run). A scope is forgotten when its last
 * user leaves, so what a page once sent cannot blank words out of log lines forever.
 */
const known = new Set<string>();
export const REDACTED = '[REDACTED]';

interface Scope {
  users: number;
  secrets: Set<string>;
}
const scopes = new Map<string, Scope>();
const currentScope = new AsyncLocalStorage<string>();

/**
 * Registers a secret value so it is masked wherever it later appears: in the scope the caller
 * runs in (see withSecretScope), else for the life of the process. Short values are ignored
 * (too many false hits).
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  const key = currentScope.getStore();
  const scope = key === undefined ? undefined : scopes.get(key);
  // A late callback of a scope that has closed still masks: a leak is worse than a stale mask.
  (scope?.secrets ?? known).add(value);
}

/**
 * Runs `fn` with secrets it registers (directly or deep in the engine, through the async
 * context) held under `key`; concurrent runs under one key share them, and they are forgotten
 * when the last run ends. Meanwhile they are masked everywhere, not only inside `fn`.
 */
export async function withSecretScope<T>(key: string, fn: () => Promise<T>): Promise<T> {
  let scope = scopes.get(key);
  if (!scope) scopes.set(key, (scope = { users: 0, secrets: new Set() }));
  scope.users++;
  try {
    return await currentScope.run(key, fn);
  } finally {
    if (--scope.users === 0 && scopes.get(key) === scope) scopes.delete(key);
  }
}

/** Is `value` masked right now (process-wide or in an open scope)? */
export function isRegisteredSecret(value: string): boolean {
  return known.has(value) || [...scopes.values()].some((s) => s.secrets.has(value));
}

/** For tests: forget registered secrets. */
export function clearRegisteredSecrets(): void {
  known.clear();
  for (const s of scopes.values()) s.secrets.clear();
}

const PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, `-----BEGIN PRIVATE KEY-----${REDACTED}-----END PRIVATE KEY-----`],
  // KEY=value in any case (env files, command lines); KEY: value only for upper-case keys and
  // quoted JSON keys, so an English sentence such as "wrong passphrase: it does not..." stays readable.
  [/\b((?:[A-Za-z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_KEY))\s*=\s*)("[^"]*"|'[^']*'|\S+)/gi, `$1${REDACTED}`],
  [/\b((?:[A-Z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_KEY))\s*:\s*)("[^"]*"|'[^']*'|\S+)/g, `$1${REDACTED}`],
  [/("[A-Za-z0-9_]*(?:password|passwd|passphrase|secret|token|api_?key)"\s*:\s*)"[^"]*"/gi, `$1"${REDACTED}"`],
  [/\b(Authorization:\s*(?:Bearer|Basic)\s+)\S+/gi, `$1${REDACTED}`],
  [/(\/\/[^:/@\s]+:)[^@/\s]+@/g, `$1${REDACTED}@`],
];

export function redactText(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  const all = new Set(known);
  for (const s of scopes.values()) for (const v of s.secrets) all.add(v);
  for (const secret of [...all].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Deep-redacts string leaves of a JSON-like value, and masks values under secret-looking keys. */
export function redactValue<T>(value: T): T {
  return walk(value) as T;
}

const SECRET_KEY = /(password|passphrase|secret|token|private[-_]?key|apikey|api_key)/i;

function walk(v: unknown, key?: string): unknown {
  if (typeof v === 'string') return key && SECRET_KEY.test(key) ? REDACTED : redactText(v);
  if (Array.isArray(v)) return v.map((x) => walk(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, k)]));
  }
  return v;
}
