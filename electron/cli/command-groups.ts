import type { Command } from 'commander';

/**
 * The command groups of `appliance`, declared without loading them: what `appliance --help`
 * lists (name, term, description) and how to load a group's real registration. Each group
 * file imports its part of the engine, so only the group a command line names is loaded;
 * `--version` and `--help` load none. A unit test checks these declarations against the
 * registrations, so the two cannot drift apart.
 */
export interface CommandGroup {
  name: string;
  /** How the top-level help shows it (commander's own term for the real command). */
  term: string;
  description: string;
  load: () => Promise<(program: Command) => unknown>;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    name: 'hardware',
    term: 'hardware [options]',
    description: 'Detect hardware: this machine by default, or with --site every server of a site (over SSH) against the sizing tier',
    load: async () => (await import('./hardware.js')).registerHardware,
  },
  {
    name: 'bundle',
    term: 'bundle',
    description: 'Build, sign, verify and inspect offline bundles',
    load: async () => (await import('./bundle.js')).registerBundle,
  },
  {
    name: 'site',
    term: 'site',
    description: 'Site folders: site.yaml, encrypted secrets, hosts and their pinned host keys',
    load: async () => (await import('./site.js')).registerSite,
  },
  {
    name: 'targets',
    term: 'targets',
    description: "Reach the site's hosts over SSH: test connections, upload files",
    load: async () => (await import('./targets.js')).registerTargets,
  },
  {
    name: 'network',
    term: 'network',
    description: 'Network segmentation plan: DMZ, App, Data, Mgmt; firewall matrix; DNS',
    load: async () => (await import('./network.js')).registerNetwork,
  },
  {
    name: 'pki',
    term: 'pki',
    description: 'Site certificate authority: create the CA, issue and renew server certificates, export the root',
    load: async () => (await import('./pki.js')).registerPki,
  },
  {
    name: 'install',
    term: 'install [options]',
    description: 'Install the site from its verified bundle over SSH (single server: Docker Compose); resumable, journaled, audited',
    load: async () => (await import('./install.js')).registerInstall,
  },
  {
    name: 'lab',
    term: 'lab',
    description: 'Practice lab: fake servers (namespaces, real systemd, sshd; optional Docker) on this machine, for rehearsals and tests',
    load: async () => (await import('./lab.js')).registerLab,
  },
  {
    name: 'console',
    term: 'console [options]',
    description: 'Serve the app on 127.0.0.1 for a browser (no Electron needed); prints the URL with its session token',
    load: async () => (await import('./console.js')).registerConsole,
  },
];

/**
 * The group a command line names (argv without node and the script), or undefined for
 * `--version`, `--help` and unknown words. `help bundle` names bundle. The program's only
 * options are -V/-h, which take no value, so the first word not starting with "-" is the group.
 */
export function groupNamed(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  return COMMAND_GROUPS.some((g) => g.name === word) ? word : undefined;
}
