import { addressAt, formatIp, parseCidr } from './ipv4.js';
import {
  HOSPITAL_SOURCE,
  type DnsRecord,
  type FirewallRule,
  type HostAddresses,
  type NetworkPlan,
  type PlanSiteContext,
  type PresetName,
  SEGMENT_NAMES,
  type Segment,
  type SegmentName,
} from './schema.js';

interface PresetSpec {
  title: string;
  description: string;
  hospitalNetworks: NetworkPlan['hospitalNetworks'];
  segments: Record<SegmentName, Segment>;
  /** Offset of the VIP in the DMZ. */
  vipOffset: number;
}

const seg = (cidr: string, purpose: string, vlan?: number): Segment => ({
  cidr,
  gateway: cidr.replace(/\.0\/24$/, '.1'),
  purpose,
  ...(vlan === undefined ? {} : { vlan }),
});

/** The two layouts of the design documents (DESIGN.md "Default network plan"). */
export const PRESETS: Record<PresetName, PresetSpec> = {
  'onprem-guide': {
    title: 'On-premise guide',
    description: 'DMZ 192.168.1.0/24 (VIP .10), App 192.168.10.0/24, Data 192.168.20.0/24, Mgmt 192.168.100.0/24; hospital 10.0.0.0/16.',
    hospitalNetworks: [{ name: 'Hospital network', cidr: '10.0.0.0/16' }],
    segments: {
      dmz: seg('192.168.1.0/24', 'Load balancer, reverse proxy, VIP'),
      app: seg('192.168.10.0/24', 'Application servers (K3s nodes / Compose host)'),
      data: seg('192.168.20.0/24', 'PostgreSQL, Redis, NFS'),
      mgmt: seg('192.168.100.0/24', 'Monitoring, backup, administration'),
    },
    vipOffset: 10,
  },
  'infra-overview': {
    title: 'Infrastructure overview',
    description: 'DMZ 192.168.10.0/24, App 192.168.20.0/24, Data 192.168.30.0/24, Mgmt 192.168.40.0/24 (VLANs 10-40); hospital 10.0.0.0/16.',
    hospitalNetworks: [{ name: 'Hospital network', cidr: '10.0.0.0/16' }],
    segments: {
      dmz: seg('192.168.10.0/24', 'Load balancer, reverse proxy, VIP', 10),
      app: seg('192.168.20.0/24', 'Application servers (K3s nodes / Compose host)', 20),
      data: seg('192.168.30.0/24', 'PostgreSQL, Redis, NFS', 30),
      mgmt: seg('192.168.40.0/24', 'Monitoring, backup, administration', 40),
    },
    vipOffset: 10,
  },
};

/** Host address offsets per segment, in assignment order (the guide's .10-.12, Redis at .20). */
const OFFSETS: Record<SegmentName, number[]> = {
  dmz: [11, 12, 13, 14, 15, 16, 17, 18, 19],
  app: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
  data: [10, 11, 20, 21, 22, 23, 24, 25],
  mgmt: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
};

const ROLE_SEGMENT: Record<string, SegmentName> = { lb: 'dmz', server: 'app', app: 'app', db: 'data', mgmt: 'mgmt' };

/** The segment a site host belongs in: its explicit `segment`, else by role, else app. */
export function segmentForHost(host: PlanSiteContext['hosts'][number]): SegmentName {
  if (host.segment && (SEGMENT_NAMES as readonly string[]).includes(host.segment)) return host.segment as SegmentName;
  return ROLE_SEGMENT[host.role ?? 'server'] ?? 'app';
}

/** The ports K3s servers with embedded etcd and flannel VXLAN need between each other. */
export function k3sRules(): FirewallRule[] {
  return [
    { from: 'app', to: 'app', protocol: 'tcp', ports: [6443], purpose: 'K3s API server between servers' },
    { from: 'app', to: 'app', protocol: 'tcp', ports: ['2379-2380'], purpose: 'embedded etcd client and peer' },
    { from: 'app', to: 'app', protocol: 'tcp', ports: [10250], purpose: 'kubelet metrics and logs' },
    { from: 'app', to: 'app', protocol: 'udp', ports: [8472], purpose: 'flannel VXLAN pod network' },
  ];
}

/** The guide's matrix: DMZ->App 80,443; App->Data 5432,6379,2049; Mgmt->all 22; Mgmt->App 6443 (K3s only). */
export function baseRules(topology: PlanSiteContext['topology']): FirewallRule[] {
  const rules: FirewallRule[] = [
    { from: HOSPITAL_SOURCE, to: 'dmz', protocol: 'tcp', ports: [80, 443], purpose: 'clinical workstations reach the application on the VIP' },
    { from: 'dmz', to: 'app', protocol: 'tcp', ports: [80, 443], purpose: 'reverse proxy to the application' },
    { from: 'app', to: 'data', protocol: 'tcp', ports: [5432, 6379, 2049], purpose: 'PostgreSQL, Redis, NFS' },
    { from: 'mgmt', to: 'dmz', protocol: 'tcp', ports: [22], purpose: 'administration over SSH' },
    { from: 'mgmt', to: 'app', protocol: 'tcp', ports: [22], purpose: 'administration over SSH' },
    { from: 'mgmt', to: 'data', protocol: 'tcp', ports: [22], purpose: 'administration over SSH' },
  ];
  if (topology === 'k3s-3') {
    rules.push({ from: 'mgmt', to: 'app', protocol: 'tcp', ports: [6443], purpose: 'kubectl from the management network' });
    rules.push(...k3sRules());
  }
  return rules;
}

/**
 * Builds a plan from a preset for a site: segments and firewall from the preset, the site's
 * hosts given addresses in order within their segment (explicit `segment`, else by role:
 * lb -> DMZ, server/app -> App, db -> Data, mgmt -> Mgmt), DNS records for the VIP and the
 * database/cache names, and the DMZ hosts with role lb as VRRP load balancers.
 */
export function planFromPreset(preset: PresetName, site: PlanSiteContext): NetworkPlan {
  const spec = PRESETS[preset];
  const at = (s: SegmentName, offset: number) => formatIp(addressAt(parseCidr(spec.segments[s].cidr)!, offset));
  const hosts: Record<string, HostAddresses> = {};
  const counts: Record<SegmentName, number> = { dmz: 0, app: 0, data: 0, mgmt: 0 };
  for (const host of site.hosts) {
    const s = segmentForHost(host);
    const offset = OFFSETS[s][counts[s]] ?? 100 + counts[s];
    counts[s]++;
    hosts[host.name] = { [s]: at(s, offset) };
  }
  return assemblePlan({ preset, hospitalNetworks: spec.hospitalNetworks, segments: spec.segments, vip: at('dmz', spec.vipOffset), hosts }, site);
}

/**
 * The parts of a plan that follow from its segments and host addresses, shared by the fixed
 * presets and the lab's (lab-preset.ts): DNS records for the VIP and the database/cache hosts,
 * the guide's firewall matrix, and the DMZ hosts with role lb as VRRP load balancers.
 */
export function assemblePlan(
  base: { preset: string; hospitalNetworks: NetworkPlan['hospitalNetworks']; segments: Record<SegmentName, Segment>; vip: string; hosts: Record<string, HostAddresses> },
  site: PlanSiteContext,
): NetworkPlan {
  const { hosts } = base;
  const bySegment: Record<SegmentName, string[]> = { dmz: [], app: [], data: [], mgmt: [] };
  for (const host of site.hosts) {
    const legs = hosts[host.name];
    const s = (SEGMENT_NAMES as readonly SegmentName[]).find((x) => legs?.[x]);
    if (s) bySegment[s].push(host.name);
  }
  const addressOf = (name: string | undefined) => {
    if (!name) return undefined;
    const a = hosts[name];
    return a?.data ?? a?.app ?? a?.dmz ?? a?.mgmt;
  };
  // The database runs on the data hosts when there are any, else inside the app stack.
  const dbHost = bySegment.data[0] ?? bySegment.app[0];
  const dns: DnsRecord[] = [
    { name: '@', target: 'vip' },
    { name: 'api', target: 'vip' },
  ];
  const dbAddr = addressOf(dbHost);
  if (dbAddr) dns.push({ name: 'db-primary', target: dbAddr });
  const standby = addressOf(bySegment.data[1]);
  if (standby) dns.push({ name: 'db-standby', target: standby });
  const redis = addressOf(bySegment.data[2] ?? dbHost);
  if (redis) dns.push({ name: 'redis', target: redis });
  const lbs = bySegment.dmz.filter((n) => site.hosts.find((h) => h.name === n)?.role === 'lb');
  return {
    preset: base.preset,
    hospitalNetworks: base.hospitalNetworks.map((n) => ({ ...n })),
    segments: structuredClone(base.segments),
    vip: base.vip,
    hosts,
    domain: site.domain ?? 'hospital-erp.local',
    dnsRecords: dns,
    nameservers: [],
    firewall: baseRules(site.topology),
    ...(lbs.length > 0 ? { loadBalancers: { hosts: lbs, routerId: 51 } } : {}),
  };
}

/** The list shown by `network.presets`. */
export function listPresets(): { name: PresetName; title: string; description: string }[] {
  return (Object.keys(PRESETS) as PresetName[]).map((name) => ({ name, title: PRESETS[name].title, description: PRESETS[name].description }));
}
