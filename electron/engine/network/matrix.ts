import { formatCidr, parseCidr, parseIp } from './ipv4.js';
import { type PortRange, formatRange, portRanges } from './ports.js';
import { HOSPITAL_SOURCE, type NetworkPlan, SEGMENT_NAMES, type SegmentName } from './schema.js';

/** One allowed flow with its endpoints resolved to CIDRs (what every renderer needs). */
export interface ResolvedRule {
  index: number;
  from: SegmentName | typeof HOSPITAL_SOURCE;
  to: SegmentName;
  protocol: 'tcp' | 'udp';
  ports: PortRange[];
  /** Source networks (a segment's CIDR, or every hospital network). */
  sources: string[];
  /** Destination segment CIDR. */
  destination: string;
  purpose: string;
}

const isSegment = (s: string): s is SegmentName => (SEGMENT_NAMES as readonly string[]).includes(s);
const canonical = (cidr: string): string | null => {
  const c = parseCidr(cidr.trim());
  return c ? formatCidr(c) : null;
};

/**
 * The plan's firewall rules with endpoints resolved, skipping rules validation rejects (unknown
 * segments, unparsable CIDRs, no valid port) and DMZ -> Data, which is never rendered even if
 * someone ignores the validation error.
 */
export function resolveRules(plan: NetworkPlan): ResolvedRule[] {
  const out: ResolvedRule[] = [];
  plan.firewall.forEach((r, index) => {
    if (!isSegment(r.to) || !(isSegment(r.from) || r.from === HOSPITAL_SOURCE)) return;
    if (r.from === 'dmz' && r.to === 'data') return;
    const destination = canonical(plan.segments[r.to].cidr);
    const sources = r.from === HOSPITAL_SOURCE ? plan.hospitalNetworks.map((n) => canonical(n.cidr)) : [canonical(plan.segments[r.from].cidr)];
    const ports = portRanges(r.ports);
    if (!destination || sources.some((s) => s === null) || sources.length === 0 || ports.length === 0) return;
    out.push({ index, from: r.from as ResolvedRule['from'], to: r.to, protocol: r.protocol, ports, sources: sources as string[], destination, purpose: r.purpose });
  });
  return out;
}

/** A host's legs in segment order: [segment, address]. */
export function hostLegs(plan: NetworkPlan, host: string): [SegmentName, string][] {
  const legs = plan.hosts[host] ?? {};
  return SEGMENT_NAMES.filter((s) => legs[s] !== undefined && parseIp(legs[s]!) !== null).map((s) => [s, legs[s]!]);
}

/** The leg that carries the default route: the first non-management leg, else management. */
export function primaryLeg(plan: NetworkPlan, host: string): [SegmentName, string] | undefined {
  const legs = hostLegs(plan, host);
  return legs.find(([s]) => s !== 'mgmt') ?? legs[0];
}

/** Addresses of plan hosts that act as name servers (their firewall opens 53). */
export function nameserverHosts(plan: NetworkPlan): { host: string; segment: SegmentName; address: string }[] {
  const out: { host: string; segment: SegmentName; address: string }[] = [];
  for (const host of Object.keys(plan.hosts)) {
    for (const [segment, address] of hostLegs(plan, host)) if (plan.nameservers.includes(address)) out.push({ host, segment, address });
  }
  return out;
}

/** "80, 443, 2379-2380" for nft sets. */
export function nftPorts(ports: PortRange[]): string {
  const list = ports.map((p) => formatRange(p));
  return list.length === 1 ? list[0]! : `{ ${list.join(', ')} }`;
}

/** Makes free text safe inside an nft/haproxy comment: no quotes, no newlines, bounded length. */
export function safeComment(text: string): string {
  return text.replace(/[^A-Za-z0-9 ,.:;/()_+>-]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 100);
}

export const SEGMENT_TITLE: Record<SegmentName | typeof HOSPITAL_SOURCE, string> = { dmz: 'DMZ', app: 'App', data: 'Data', mgmt: 'Mgmt', hospital: 'Hospital' };
