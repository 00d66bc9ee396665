import path from 'node:path';
import { ApplianceError } from '../errors.js';

/** Default root of all lab state: base rootfs cache plus one folder per lab. */
export const DEFAULT_STATE_DIR = '/var/lib/airgap-appliance/lab';
export const DEFAULT_LAB_NAME = 'lab';
/** Nodes a lab may have: interface names and docker address pools are sized for this. */
export const MAX_NODES = 15;

// Linux interface names are at most 15 bytes: "labbr-" + 8 and "labv15-" + 8 both fit.
const NAME_RE = /^[a-z][a-z0-9]{0,7}$/;
// Paths go into overlay mount options, where ',' ':' and whitespace are separators.
const SAFE_PATH_RE = /^\/[A-Za-z0-9._/-]*$/;

export function validateLabName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new ApplianceError(
      'VALIDATION',
      `Invalid lab name "${name}": use 1-8 lowercase letters or digits, starting with a letter (it becomes part of interface names).`,
    );
  }
  return name;
}

export function validateNodeCount(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) {
    throw new ApplianceError('VALIDATION', `--nodes must be a whole number from 1 to ${MAX_NODES} (got ${n}).`);
  }
  return n;
}

/** The state root: explicit option, then APPLIANCE_LAB_DIR, then the default. */
export function resolveStateDir(stateDir?: string): string {
  const dir = path.resolve(stateDir ?? process.env.APPLIANCE_LAB_DIR ?? DEFAULT_STATE_DIR);
  if (!SAFE_PATH_RE.test(dir)) {
    throw new ApplianceError('VALIDATION', `Lab state directory "${dir}" may only contain letters, digits, ".", "_", "-" and "/".`);
  }
  return dir;
}

/** FNV-1a, 32 bit: a stable, dependency-free hash for deriving the subnet from the name. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Preferred third octet of 10.99.X.0/24 for a lab name, 1..250. */
export function preferredSubnetOctet(name: string): number {
  return (fnv1a(name) % 250) + 1;
}

/**
 * Picks the lab's third octet: the preferred one for the name unless another lab (or anything
 * else on the host) already routes it, then the next free one. Deterministic for a given host state.
 */
export function pickSubnetOctet(name: string, taken: Set<number>): number {
  const start = preferredSubnetOctet(name);
  for (let i = 0; i < 250; i++) {
    const x = ((start - 1 + i) % 250) + 1;
    if (!taken.has(x)) return x;
  }
  throw new ApplianceError('RESOURCE', 'No free 10.99.X.0/24 subnet left for another lab.');
}

export interface LabNames {
  name: string;
  stateDir: string;
  labDir: string;
  bridge: string;
  statePath: string;
  keyPath: string;
  knownHostsPath: string;
  sshConfigPath: string;
  lockPath: string;
  /** engineer's sudo password and other lab secrets, mode 0600. */
  secretsPath: string;
  /** Comment tagged on every iptables rule the lab adds, so teardown finds them after a crash. */
  iptablesComment: string;
  /** Segmented labs only: the router's network namespace and its hospital-side veth (root ns end). */
  routerNetns: string;
  routerVethHost: string;
}

export function labNames(name: string, stateDir: string): LabNames {
  const labDir = path.join(stateDir, 'labs', name);
  return {
    name,
    stateDir,
    labDir,
    bridge: `labbr-${name}`,
    statePath: path.join(labDir, 'state.json'),
    keyPath: path.join(labDir, 'id_ed25519'),
    knownHostsPath: path.join(labDir, 'known_hosts'),
    sshConfigPath: path.join(labDir, 'ssh_config'),
    lockPath: path.join(stateDir, 'labs', `${name}.lock`),
    secretsPath: path.join(labDir, 'secrets.json'),
    iptablesComment: `appliance-lab:${name}`,
    routerNetns: `${name}-rtr`,
    routerVethHost: `labr-${name}`,
  };
}

export interface NodeNames {
  index: number;
  name: string;
  netns: string;
  vethHost: string;
  dir: string;
  upperDir: string;
  workDir: string;
  rootDir: string;
  consoleLog: string;
  /** A fresh UUID bound over the node's /proc/sys/kernel/random/boot_id. */
  bootIdFile: string;
  /** The node's /data filesystem image (sparse file, ext4, loop-mounted by node-init.sh). */
  dataImage: string;
}

export function nodeNames(lab: LabNames, index: number): NodeNames {
  const name = `node${index}`;
  const dir = path.join(lab.labDir, 'nodes', name);
  return {
    index,
    name,
    netns: `${lab.name}-${name}`,
    vethHost: `labv${index}-${lab.name}`,
    dir,
    upperDir: path.join(dir, 'upper'),
    workDir: path.join(dir, 'work'),
    rootDir: path.join(dir, 'root'),
    consoleLog: path.join(dir, 'console.log'),
    bootIdFile: path.join(dir, 'boot_id'),
    dataImage: path.join(dir, 'data.ext4'),
  };
}

export function subnetOf(octet: number): string {
  return `10.99.${octet}.0/24`;
}
export function bridgeAddress(octet: number): string {
  return `10.99.${octet}.1`;
}
export function nodeAddress(octet: number, index: number): string {
  return `10.99.${octet}.${10 + index}`;
}

/**
 * Docker ranges for node i: docker0 on 172.31.i.0/24 and user networks carved from 172.(15+i).0.0/16.
 * Private 172.16/12 space, so never the lab's 10.99/16 nor the site plans' 10.0/16 and 192.168/16;
 * distinct per node so a packet trace always tells which node a container address belongs to.
 */
export function dockerRanges(index: number): { bip: string; pool: string } {
  return { bip: `172.31.${index}.1/24`, pool: `172.${15 + index}.0.0/16` };
}
