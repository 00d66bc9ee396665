import { z } from 'zod';

/**
 * The network segmentation plan, stored in site.yaml under `network:`.
 *
 * The schema checks SHAPE only (strings where addresses go, known protocol names). Whether a
 * CIDR parses, overlaps another or holds its hosts is judged by `validatePlan` (./validate.ts),
 * which reports every problem with a field path and a sentence a field engineer understands,
 * instead of failing the whole site.yaml on the first bad octet.
 */

/** The four segments of the on-premise guide, in the order they are shown and rendered. */
export const SEGMENT_NAMES = ['dmz', 'app', 'data', 'mgmt'] as const;
export const SegmentName = z.enum(SEGMENT_NAMES);
export type SegmentName = z.infer<typeof SegmentName>;

/**
 * A firewall rule endpoint: one of the segments, or `hospital` (the hospital's existing
 * networks, as a source only: clinical workstations reaching the DMZ). Kept a plain string in
 * the schema so an unknown name is reported by validatePlan with its path, not a parse error.
 */
export const HOSPITAL_SOURCE = 'hospital';

export const HospitalNetwork = z
  .object({
    /** e.g. "Clinical LAN". */
    name: z.string().min(1),
    /** e.g. "10.0.0.0/16". */
    cidr: z.string().min(1),
  })
  .strict();
export type HospitalNetwork = z.infer<typeof HospitalNetwork>;

export const Segment = z
  .object({
    /** Network address and prefix, e.g. "192.168.10.0/24". */
    cidr: z.string().min(1),
    /** The router's address on this segment, e.g. "192.168.10.1". */
    gateway: z.string().min(1),
    /** 802.1Q VLAN id when the hospital switches tag the segment. */
    vlan: z.number().int().min(1).max(4094).optional(),
    /** What lives here, shown in the UI and in rendered comments. */
    purpose: z.string().default(''),
  })
  .strict();
export type Segment = z.infer<typeof Segment>;

/** One host's address on each segment it has a leg in (usually one). */
export const HostAddresses = z
  .object({
    dmz: z.string().min(1).optional(),
    app: z.string().min(1).optional(),
    data: z.string().min(1).optional(),
    mgmt: z.string().min(1).optional(),
  })
  .strict();
export type HostAddresses = z.infer<typeof HostAddresses>;

/** `name` is relative to the plan's domain ("api" -> api.hospital-erp.local); "@" is the domain itself. */
export const DnsRecord = z
  .object({
    name: z.string().min(1),
    /** An IPv4 address, or the literal "vip" (follows the VIP when it changes). */
    target: z.string().min(1),
  })
  .strict();
export type DnsRecord = z.infer<typeof DnsRecord>;

/** A single port (443) or an inclusive range ("2379-2380"). */
export const PortSpec = z.union([z.number().int(), z.string().min(1)]);
export type PortSpec = z.infer<typeof PortSpec>;

export const FirewallRule = z
  .object({
    /** A segment name or "hospital". */
    from: z.string().min(1),
    /** A segment name. */
    to: z.string().min(1),
    protocol: z.enum(['tcp', 'udp']),
    ports: z.array(PortSpec).min(1),
    purpose: z.string().default(''),
  })
  .strict();
export type FirewallRule = z.infer<typeof FirewallRule>;

export const LoadBalancers = z
  .object({
    /** Site host names, in VRRP priority order (the first one holds the VIP). */
    hosts: z.array(z.string().min(1)).min(1),
    /** VRRP virtual router id; must be unique on the DMZ segment. */
    routerId: z.number().int().min(1).max(255).default(51),
  })
  .strict();
export type LoadBalancers = z.infer<typeof LoadBalancers>;

export const NetworkPlan = z
  .object({
    /** Which preset the plan started from (informational). */
    preset: z.string().optional(),
    hospitalNetworks: z.array(HospitalNetwork).default([]),
    segments: z
      .object({ dmz: Segment, app: Segment, data: Segment, mgmt: Segment })
      .strict(),
    /** The virtual IP clients use (in the DMZ). */
    vip: z.string().min(1),
    /** Site host name -> its address per segment. */
    hosts: z.record(z.string(), HostAddresses).default({}),
    /** Internal DNS domain, e.g. "hospital-erp.local". */
    domain: z.string().min(1),
    dnsRecords: z.array(DnsRecord).default([]),
    /**
     * DNS servers the hosts use (netplan `nameservers`). An address that belongs to a plan host
     * means that host serves the internal zone (the rendered dnsmasq.conf) and its firewall
     * opens port 53 to every segment.
     */
    nameservers: z.array(z.string().min(1)).default([]),
    /** Allowed flows; everything not listed is denied. */
    firewall: z.array(FirewallRule).default([]),
    loadBalancers: LoadBalancers.optional(),
  })
  .strict();
export type NetworkPlan = z.infer<typeof NetworkPlan>;
/** What a caller may write (defaults not yet applied). */
export type NetworkPlanInput = z.input<typeof NetworkPlan>;

export const ProblemSeverity = z.enum(['error', 'warning']);
export const PlanProblem = z.object({
  severity: ProblemSeverity,
  /** Dotted path from the site root, e.g. "network.segments.data.cidr". */
  path: z.string(),
  message: z.string(),
});
export type PlanProblem = z.infer<typeof PlanProblem>;

export const PRESET_NAMES = ['onprem-guide', 'infra-overview'] as const;
export const PresetName = z.enum(PRESET_NAMES);
export type PresetName = z.infer<typeof PresetName>;

/** The facts about the site that validation and presets need (a subset of SiteConfig). */
export const PlanSiteContext = z.object({
  topology: z.enum(['single', 'k3s-3']),
  hosts: z.array(
    z.object({
      name: z.string(),
      role: z.string().optional(),
      segment: z.string().optional(),
    }),
  ),
  domain: z.string().optional(),
});
export type PlanSiteContext = z.infer<typeof PlanSiteContext>;
