import type { LabNode } from './schema.js';

/**
 * argv for the real OpenSSH client to a lab node: the lab key, the lab's known_hosts with strict
 * host key checking, no user ssh config (so no alias or proxy can send it elsewhere). With a
 * command it runs that; without, an interactive shell (`-t` only then).
 */
export function labSshArgv(node: LabNode, opts: { user?: string; command?: readonly string[]; tty?: boolean } = {}): string[] {
  const user = opts.user ?? node.user;
  return [
    'ssh',
    '-F', '/dev/null',
    '-i', node.keyPath,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${node.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'ConnectTimeout=10',
    '-p', String(node.sshPort),
    ...(opts.tty ? ['-t'] : []),
    '--',
    `${user}@${node.address}`,
    // ssh joins the command words with spaces for the remote shell: that is ssh's contract, and
    // whoever passes them means them for that shell.
    ...(opts.command ?? []),
  ];
}
