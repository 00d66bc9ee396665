import { randomBytes } from 'node:crypto';
import { registerSecret } from '../redact.js';
import { readSecrets, updateSecrets } from '../site/index.js';
import { ApplianceError } from '../errors.js';
import { STACK_SECRETS } from '../bundle/stack.js';
import type { StackSecrets } from './types.js';

/** Key of a generated stack secret in secrets.enc. */
export const stackSecretKey = (stack: string, name: string): string => `stack.${stack}.${name}`;

/**
 * The stack's generated secrets (database, Redis, JWT, initial admin), created on the first
 * install and kept in secrets.enc: a re-run, a resume or another laptop with the site folder
 * gets the same values. 32 characters of base64url (192 bits): safe in URLs, .env files and
 * shell-free argv alike. Every value is registered for redaction before anything can log it.
 * In a dry run nothing is written: missing values are stand-ins that are never used on a host.
 */
export async function ensureStackSecrets(dir: string, passphrase: string, stack: string, opts: { dryRun?: boolean } = {}): Promise<StackSecrets & { created: string[]; all: Record<string, string> }> {
  const current = await readSecrets(dir, passphrase);
  const missing = STACK_SECRETS.filter((n) => !current[stackSecretKey(stack, n)]);
  const fresh = Object.fromEntries(missing.map((n) => [stackSecretKey(stack, n), randomBytes(24).toString('base64url')]));
  for (const v of Object.values(fresh)) registerSecret(v);
  if (missing.length && !opts.dryRun) await updateSecrets(dir, passphrase, fresh);
  const all = { ...current, ...fresh };
  const values = new Map<string, string>(STACK_SECRETS.map((n) => [n, all[stackSecretKey(stack, n)]!]));
  for (const v of values.values()) registerSecret(v);
  return {
    created: opts.dryRun ? [] : [...missing],
    // Everything secrets.enc holds (host credentials too), so the caller needs no second scrypt.
    all,
    names: () => [...values.keys()],
    get(name) {
      const v = values.get(name);
      if (v === undefined) throw new ApplianceError('INTERNAL', `No generated secret named ${name}.`);
      return v;
    },
  };
}
