import { stat } from 'node:fs/promises';
import { ApplianceError } from '../engine/errors.js';
import { registerSecret } from '../engine/redact.js';
import { readSecrets, sitePaths } from '../engine/site/index.js';
import { currentSiteSession } from './site-sessions.js';

/**
 * The site passphrase for this call: the one the engineer typed, else (given the site folder)
 * the one this window / console connection unlocked the site with (site.unlock). The GUI hosts
 * never fall back to APPLIANCE_PASSPHRASE (that is for the CLI): whoever holds the console's
 * session token could otherwise unlock the CA key and the SSH credentials without typing anything.
 *
 * Not registered for redaction here: a page may send any word as a "passphrase", and a word
 * registered on arrival would be blanked out of log lines. See unlockSite / siteHolds.
 * A locked site is PERMISSION with details.reason "locked", so a screen can offer to unlock it.
 */
export function typedPassphrase(typed: string | undefined, purpose: string, dir?: string): string {
  if (typed) return typed;
  const unlocked = dir ? currentSiteSession()?.passphrase(dir) : undefined;
  if (unlocked) return unlocked;
  throw new ApplianceError('PERMISSION', `The site is locked: enter the site passphrase to ${purpose}.`, { reason: 'locked', ...(dir ? { dir } : {}) });
}

/**
 * The typed passphrase, proven against DIR/secrets.enc first (a wrong one is PERMISSION before
 * anything runs). Only then is it registered, with the secrets it unlocked, in the call's
 * secret scope (see the dispatcher). A site without secrets.enc proves nothing: the engine's
 * own check (the CA key) decides, and nothing is registered. Without a typed passphrase, the
 * site's session passphrase is used: it was proven by site.unlock and stays masked while unlocked.
 */
export async function unlockSite(dir: string, typed: string | undefined, purpose: string): Promise<string> {
  if (!typed) return typedPassphrase(undefined, purpose, dir);
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
