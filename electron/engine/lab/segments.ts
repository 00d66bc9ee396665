import { ApplianceError } from '../errors.js';

/**
 * The segmented lab's layout, as pure functions (no host changes here; see router.ts for that).
 * A segmented lab models the site plan's four segments as four bridges joined by a router node;
 * the host (the engineer's laptop) sits on the lab's own bridge and stands for the hospital
 * network. Every subnet is a 10.99.X.0/24 of the lab's own range.
 */

export const LAB_SEGMENTS = ['dmz', 'app', 'data', 'mgmt'] as const;
export type LabSegment = (typeof LAB_SEGMENTS)[number];
export type LabTopology = 'flat' | 'segmented';

/** Router address on the hospital side (host's bridge is .1 on the same /24). */
export const ROUTER_HOSPITAL_HOST = 2;
/** VIP offset in the DMZ; nodes start at .11 so .10 stays free for it (as in the presets). */
export const LAB_VIP_HOST = 10;

export function validateSegment(s: string): LabSegment {
  if (!(LAB_SEGMENTS as readonly string[]).includes(s)) {
    throw new ApplianceError('VALIDATION', `Unknown segment "${s}": use ${LAB_SEGMENTS.join(', ')}.`);
  }
  return s as LabSegment;
}

/**
 * Default segment of each node when none is given: 7 nodes are the medium tier (node1-2 load
 * balancers in the DMZ, node3-5 K3s servers in App, node6-7 databases in Data); 3 nodes get one
 * per segment that has a flow to prove (DMZ, App, Data); other counts fill DMZ and Data with one
 * node each (two from 7 up) and put the rest in App. Mgmt holds no node by default: the laptop
 * administers from the hospital side; `--node-segment nodeN=mgmt` puts one there.
 */
export function defaultSegments(count: number): LabSegment[] {
  if (count === 1) return ['app'];
  if (count === 2) return ['app', 'data'];
  const edge = count >= 7 ? 2 : 1;
  const app = count - 2 * edge;
  return [...Array<LabSegment>(edge).fill('dmz'), ...Array<LabSegment>(app).fill('app'), ...Array<LabSegment>(edge).fill('data')];
}

export interface SegmentNet {
  octet: number;
  cidr: string;
  gateway: string;
}

/** The four segment subnets: the first free octets after the lab's own (its hospital side). */
export function pickSegmentOctets(labOctet: number, taken: Set<number>): Record<LabSegment, SegmentNet> {
  const used = new Set([...taken, labOctet]);
  const out = {} as Record<LabSegment, SegmentNet>;
  let x = labOctet;
  for (const s of LAB_SEGMENTS) {
    let tries = 0;
    do {
      x = (x % 250) + 1;
      if (++tries > 250) throw new ApplianceError('RESOURCE', 'No free 10.99.X.0/24 subnets left for the lab\'s segments.');
    } while (used.has(x));
    used.add(x);
    out[s] = { octet: x, cidr: `10.99.${x}.0/24`, gateway: `10.99.${x}.1` };
  }
  return out;
}

/** Node addresses in a segmented lab: .11, .12, ... in node order within each segment. */
export function segmentAddresses(segments: readonly LabSegment[], nets: Record<LabSegment, SegmentNet>): string[] {
  const seen: Record<string, number> = {};
  return segments.map((s) => {
    seen[s] = (seen[s] ?? 0) + 1;
    return `10.99.${nets[s].octet}.${LAB_VIP_HOST + seen[s]}`;
  });
}
