import { ApplianceError } from '../errors.js';

/** How commands get root on a target: already root, passwordless sudo, or sudo with the login password on stdin. */
export type SudoMode = 'root' | 'nopasswd' | 'password';

/**
 * The argv prefix for a mode. `-S -p ''` reads the password from stdin without a prompt; never
 * on the command line. `-k` makes sudo ignore a cached login for this command, so it always
 * consumes exactly the password line we put in front of stdin: with a cached login it would
 * not read it, and the password would become the first line of the command's own input.
 */
export function sudoPrefix(mode: SudoMode): string[] {
  if (mode === 'root') return [];
  if (mode === 'nopasswd') return ['sudo', '-n', '--'];
  return ['sudo', '-k', '-S', '-p', '', '--'];
}

const REFUSED = /is not in the sudoers file|not allowed to execute|incorrect password attempt|a password is required|Sorry, try again|may not run sudo|sudo: command not found|sudo: not found/i;

/** True when stderr shows sudo itself refused (as opposed to the command failing). */
export function isSudoRefusal(stderr: string): boolean {
  return REFUSED.test(stderr);
}

export function sudoRefused(user: string, host: string, stderr: string): ApplianceError {
  const line = stderr.split('\n').map((l) => l.trim()).find((l) => REFUSED.test(l)) ?? stderr.trim().split('\n')[0] ?? '';
  let hint = `Give ${user} sudo rights on ${host} (a file in /etc/sudoers.d) or log in as root.`;
  if (/incorrect password|Sorry, try again/i.test(line)) hint = `The stored password of ${user} is not accepted by sudo; update it with "appliance site add-host ... --password-stdin".`;
  else if (/a password is required/i.test(line)) hint = `sudo on ${host} needs ${user}'s password: store it with "appliance site add-host ... --password-stdin", or allow NOPASSWD.`;
  return new ApplianceError('PERMISSION', `sudo refused for user ${user} on ${host}: ${line}. ${hint}`, { host, user, stderr: line });
}
