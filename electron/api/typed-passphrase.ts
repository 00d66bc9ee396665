import { ApplianceError } from '../engine/errors.js';
import { registerSecret } from '../engine/redact.js';

/**
 * The site passphrase the engineer typed for this call. The GUI hosts never fall back to
 * APPLIANCE_PASSPHRASE (that is for the CLI): whoever holds the console's session token could
 * otherwise unlock the CA key and the SSH credentials without typing anything.
 */
export function typedPassphrase(typed: string | undefined, purpose: string): string {
  if (!typed) throw new ApplianceError('PERMISSION', `The site is locked: enter the site passphrase to ${purpose}.`);
  registerSecret(typed);
  return typed;
}
