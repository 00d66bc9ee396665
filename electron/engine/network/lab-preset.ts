import { ApplianceError } from '../errors.js';
import type { LabStatus } from '../lab/schema.js';
import { LAB_VIP_HOST } from '../lab/segments.js';
import { assemblePlan } from './presets.js';
import { type HostAddresses, type NetworkPlan, type PlanSiteContext, SEGMENT_NAMES, type Segment, type SegmentName } from './schema.js';

/** The preset name a plan made from a segmented practice lab carries. */
export const LAB_PRESET = 'lab';

/** A lab node's segment decides its role in the site, as the site plan's layout does. */
export const ROLE_OF_SEGMENT: Record<SegmentName, string> = { dmz: 'lb', app: 'server', data: 'db', mgmt: 'mgmt' };

const PURPOSE: Record<SegmentName, string> = {
  dmz: 'Load balancer, reverse proxy, VIP (lab)',
  app: 'Application servers (lab)',
  data: 'PostgreSQL, Redis, NFS (lab)',
  mgmt: 'Monitoring, backup, administration (lab)',
};

/**
 * The "lab" preset: the plan IS the segmented lab. Segments are the lab's real bridges (their
 * 10.99.X.0/24 and router gateway), every host's address is its node's real address, the host
 * side of the lab is the hospital network, and the VIP is the DMZ's .10 (nodes start at .11).
 * Firewall, DNS and load balancers follow as for the fixed presets. Throws VALIDATION for a lab
 * that is not segmented, NOT_FOUND when a site host is not a node of the lab.
 */
export function planFromLab(lab: Pick<LabStatus, 'name' | 'subnet' | 'segments' | 'nodes'>, site: PlanSiteContext): NetworkPlan {
  const nets = lab.segments;
  if (!nets) throw new ApplianceError('VALIDATION', `Lab "${lab.name}" has one flat network, not the four segments a plan needs: start it with \`appliance lab up --segments\`.`);
  const segments = Object.fromEntries(SEGMENT_NAMES.map((s) => [s, { cidr: nets[s].cidr, gateway: nets[s].gateway, purpose: PURPOSE[s] }])) as Record<SegmentName, Segment>;
  const hosts: Record<string, HostAddresses> = {};
  for (const h of site.hosts) {
    const node = lab.nodes.find((n) => n.name === h.name);
    if (!node) throw new ApplianceError('NOT_FOUND', `Site host "${h.name}" is not a node of lab "${lab.name}".`);
    hosts[h.name] = { [node.segment as SegmentName]: node.address };
  }
  const vip = nets.dmz.cidr.replace(/\.0\/24$/, `.${LAB_VIP_HOST}`);
  return assemblePlan({ preset: LAB_PRESET, hospitalNetworks: [{ name: `Hospital side: the host of lab ${lab.name}`, cidr: lab.subnet }], segments, vip, hosts }, site);
}
