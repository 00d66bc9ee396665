import { existsSync, readFileSync } from 'node:fs';
import type { LabNames, NodeNames } from './naming.js';
import { run, tryRun } from './run.js';

/**
 * The lab network: one Linux bridge in the root namespace carrying the lab's /24, one veth per
 * node (eth0 inside the node's netns). Nodes get no default route, so nothing leaves the lab.
 */

export async function createBridge(lab: LabNames, address: string): Promise<void> {
  await run('ip', ['link', 'add', 'name', lab.bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${address}/24`, 'dev', lab.bridge]);
  await run('ip', ['link', 'set', lab.bridge, 'up']);
}

export async function createNodeNetwork(lab: LabNames, node: NodeNames, address: string): Promise<void> {
  await run('ip', ['netns', 'add', node.netns]);
  // The peer is created directly inside the node's namespace as eth0.
  await run('ip', ['link', 'add', node.vethHost, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await run('ip', ['link', 'set', node.vethHost, 'master', lab.bridge]);
  await run('ip', ['link', 'set', node.vethHost, 'up']);
  await run('ip', ['-n', node.netns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', node.netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await run('ip', ['-n', node.netns, 'link', 'set', 'eth0', 'up']);
}

/** bridge-nf-call-iptables: when 1, bridged node-to-node packets traverse the host's FORWARD chain. */
export function bridgeNetfilterOn(): boolean {
  try {
    return readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

function forwardRules(lab: LabNames): string[][] {
  const tag = ['-m', 'comment', '--comment', lab.iptablesComment];
  return [
    // Node to node across the bridge: accepted even when the FORWARD policy is DROP.
    ['FORWARD', '-i', lab.bridge, '-o', lab.bridge, ...tag, '-j', 'ACCEPT'],
    // Out of the lab through the host (a node that adds its own default route): never.
    ['FORWARD', '-i', lab.bridge, '!', '-o', lab.bridge, ...tag, '-j', 'DROP'],
  ];
}

/**
 * Lets node-to-node traffic through the host's FORWARD chain (a host dockerd sets its policy
 * to DROP, and bridge netfilter sends bridged packets through it) and drops anything a node
 * tries to route out through the host. Always added, because br_netfilter may load later;
 * tagged with a comment so teardown finds them after a crash.
 */
export async function addForwardRules(lab: LabNames): Promise<void> {
  for (const rule of forwardRules(lab).reverse()) {
    if ((await tryRun('iptables', ['-w', '-C', ...rule])).exitCode === 0) continue;
    await run('iptables', ['-w', '-I', ...rule]);
  }
}

/** Removes every FORWARD rule carrying the lab's comment (however many a crash left behind). */
export async function removeForwardRules(lab: LabNames): Promise<number> {
  const listed = await tryRun('iptables', ['-w', '-S', 'FORWARD']);
  if (listed.exitCode !== 0) return 0;
  let removed = 0;
  for (const line of listed.stdout.split('\n')) {
    const words = line.trim().split(/\s+/).map((w) => w.replace(/^"(.*)"$/, '$1'));
    if (words[0] !== '-A' || !words.includes(lab.iptablesComment)) continue;
    const r = await tryRun('iptables', ['-w', '-D', ...words.slice(1)]);
    if (r.exitCode === 0) removed++;
  }
  return removed;
}

export async function listNetns(): Promise<string[]> {
  const r = await tryRun('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** Network namespaces of this lab (by naming pattern), whether or not the state file knows them. */
export async function labNetns(lab: LabNames): Promise<string[]> {
  const re = new RegExp(`^${lab.name}-(node\\d+|rtr)$`);
  return (await listNetns()).filter((n) => re.test(n));
}

interface IpLink {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

async function ipJson(args: string[]): Promise<IpLink[]> {
  const r = await tryRun('ip', ['-j', ...args]);
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  try {
    return JSON.parse(r.stdout) as IpLink[];
  } catch {
    return [];
  }
}

/** The lab's bridge and host-side veths that exist right now. */
export async function labLinks(lab: LabNames): Promise<string[]> {
  const re = new RegExp(`^labv\\d+-${lab.name}$`);
  return (await ipJson(['link', 'show']))
    .map((l) => l.ifname)
    .filter((n) => n === lab.bridge || n === lab.routerVethHost || re.test(n));
}

/** Third octets of 10.99.X.0/24 already on some host interface other than `exceptIf`. */
export async function octetsInUse(exceptIf: string): Promise<Set<number>> {
  const taken = new Set<number>();
  for (const l of await ipJson(['-4', 'addr', 'show'])) {
    if (l.ifname === exceptIf) continue;
    for (const a of l.addr_info ?? []) {
      const m = /^10\.99\.(\d+)\.\d+$/.exec(a.local);
      if (m && a.prefixlen >= 16) taken.add(Number(m[1]));
    }
  }
  return taken;
}

/** Deletes the lab's namespaces, veths and bridge (deleting a netns also deletes its eth0 and so the veth pair). */
export async function removeLabNetwork(lab: LabNames, extraNetns: string[] = []): Promise<void> {
  for (const ns of new Set([...(await labNetns(lab)), ...extraNetns])) {
    if (existsSync(`/run/netns/${ns}`)) await tryRun('ip', ['netns', 'delete', ns]);
  }
  for (const link of await labLinks(lab)) {
    if (link !== lab.bridge) await tryRun('ip', ['link', 'delete', link]);
  }
  if ((await labLinks(lab)).includes(lab.bridge)) await tryRun('ip', ['link', 'delete', lab.bridge]);
}
