import { stat } from 'node:fs/promises';
import { ApplianceError } from '../engine/errors.js';
import { registerSecret } from '../engine/redact.js';
import { readSecrets, sitePaths } from '../engine/site/index.js';

/**
 * The site passphrase the engineer typed for this call. The GUI hosts never fall back to
 * APPLIANCE_PASSPHRASE (that is for the CLI): whoever holds the console's session token could
 * otherwise unlock the CA key and the SSH credentials without typing anything.
 *
 * Not registered for redaction here: a page may send any word as a "passphrase", and a word
 * registered on arrival would be blanked out of log lines. See unlockSite / siteHolds.
 */
export function typedPassphrase(typed: string | undefined, purpose: string): string {
  if (!typed) throw new ApplianceError('PERMISSION', `The site is locked: enter the site passphrase to ${purpose}.`);
  return typed;
}

/**
 * The typed passphrase, proven against DIR/secrets.enc first (a wrong one is PERMISSION before
 * anything runs). Only then is it registered, with the secrets it unlocked, in the call's
 * secret scope (see the dispatcher). A site without secrets.enc proves nothing: the engine's
 * own check (the CA key) decides, and nothing is registered.
 */
export async function unlockSite(dir: string, typed: string | undefined, purpose: string): Promise<string> {
  const passphrase = typedPassphrase(typed, purpose);
  const exists = await stat(sitePaths(dir).secrets).then(
    () => true,
    () => false,
  );
  if (exists) {
    await readSecrets(dir, passphrase);
    registerSecret(passphrase);
  }
  return passphrase;
}

/** Registers values a site now holds (the engine accepted them: created or unlocked with them). */
export function siteHolds(...values: (string | undefined)[]): void {
  for (const v of values) registerSecret(v);
}
