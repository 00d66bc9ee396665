import { ApplianceError } from '../errors.js';
import type { LabNames, NodeNames } from './naming.js';
import { run, tryRun } from './run.js';
import { LAB_SEGMENTS, ROUTER_HOSPITAL_HOST, type LabSegment, type SegmentNet } from './segments.js';

/**
 * The segmented lab's router: a network namespace with forwarding on, one bridge per segment
 * (br-dmz, br-app, br-data, br-mgmt, each holding the segment's gateway .1) and one leg on the
 * lab's own bridge in the root namespace (the hospital side, where the host is .1 and the router
 * .2). It is the only way between segments, so the site's rendered nftables forward chain loaded
 * here decides which flows pass, exactly as on the hospital's router. Same shape as
 * test/integration/network-segments.test.ts, but with the lab's real nodes on the bridges.
 */

export const ROUTER_HOSPITAL_IF = 'hosp';

/** `ip -n ROUTER ...`: every link and address of the segments lives inside the router's netns. */
const inRouter = (lab: LabNames, args: string[]) => run('ip', ['-n', lab.routerNetns, ...args]);

export async function createRouter(lab: LabNames, labOctet: number, nets: Record<LabSegment, SegmentNet>): Promise<void> {
  await run('ip', ['netns', 'add', lab.routerNetns]);
  await inRouter(lab, ['link', 'set', 'lo', 'up']);
  await run('ip', ['netns', 'exec', lab.routerNetns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  // Frames within a segment are switched, not routed: keep them out of the router's forward
  // chain even when br_netfilter is loaded (these sysctls are per netns on current kernels).
  for (const k of ['iptables', 'ip6tables', 'arptables']) {
    await tryRun('ip', ['netns', 'exec', lab.routerNetns, 'sysctl', '-qw', `net.bridge.bridge-nf-call-${k}=0`]);
  }
  for (const s of LAB_SEGMENTS) {
    await inRouter(lab, ['link', 'add', `br-${s}`, 'type', 'bridge']);
    await inRouter(lab, ['addr', 'add', `${nets[s].gateway}/24`, 'dev', `br-${s}`]);
    await inRouter(lab, ['link', 'set', `br-${s}`, 'up']);
  }
  // The hospital leg: host-side end on the lab bridge, router end "hosp" at .2.
  await run('ip', ['link', 'add', lab.routerVethHost, 'type', 'veth', 'peer', 'name', ROUTER_HOSPITAL_IF, 'netns', lab.routerNetns]);
  await run('ip', ['link', 'set', lab.routerVethHost, 'master', lab.bridge, 'up']);
  await inRouter(lab, ['addr', 'add', `10.99.${labOctet}.${ROUTER_HOSPITAL_HOST}/24`, 'dev', ROUTER_HOSPITAL_IF]);
  await inRouter(lab, ['link', 'set', ROUTER_HOSPITAL_IF, 'up']);
  // The host reaches the segments through the router; these routes go with the lab bridge.
  for (const s of LAB_SEGMENTS) {
    await run('ip', ['route', 'replace', nets[s].cidr, 'via', `10.99.${labOctet}.${ROUTER_HOSPITAL_HOST}`, 'dev', lab.bridge]);
  }
}

/**
 * A node on its segment: veth from the segment bridge (in the router) to eth0 in the node, and
 * a route to the lab's 10.99.0.0/16 through the segment's gateway. Still no default route, so
 * nothing leaves the lab.
 */
export async function createSegmentNodeNetwork(lab: LabNames, node: NodeNames, address: string, net: SegmentNet, segment: LabSegment): Promise<void> {
  await run('ip', ['netns', 'add', node.netns]);
  await inRouter(lab, ['link', 'add', node.vethHost, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await inRouter(lab, ['link', 'set', node.vethHost, 'master', `br-${segment}`, 'up']);
  await run('ip', ['-n', node.netns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', node.netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await run('ip', ['-n', node.netns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', node.netns, 'route', 'add', '10.99.0.0/16', 'via', net.gateway]);
}

/**
 * Loads an nftables ruleset file (the site's rendered router.nft) into the lab's router,
 * replacing the tables it defines. Throws NOT_FOUND when the lab has no router (not segmented),
 * FAILED with nft's message when the ruleset does not load.
 */
export async function loadRouterRules(lab: LabNames, file: string): Promise<void> {
  if ((await tryRun('ip', ['netns', 'exec', lab.routerNetns, 'true'])).exitCode !== 0) {
    throw new ApplianceError('NOT_FOUND', `Lab "${lab.name}" has no router: start it with \`appliance lab up --segments\`.`);
  }
  const r = await tryRun('ip', ['netns', 'exec', lab.routerNetns, 'nft', '-f', file]);
  if (r.exitCode !== 0) throw new ApplianceError('FAILED', `nft could not load ${file} into the router of lab "${lab.name}": ${r.stderr.trim()}`);
}

/** Removes every nftables table from the router: all segments talk freely again. */
export async function flushRouterRules(lab: LabNames): Promise<void> {
  await tryRun('ip', ['netns', 'exec', lab.routerNetns, 'nft', 'flush', 'ruleset']);
}
