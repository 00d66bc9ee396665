import { type Cidr, broadcastOf, containsIp, formatCidr, formatIp, hasHostBits, overlapOf, parseCidr, parseIp } from './ipv4.js';
import { parsePortSpec, rangeIncludes, portRanges } from './ports.js';
import { k3sRules } from './presets.js';
import { HOSPITAL_SOURCE, NetworkPlan, type PlanProblem, type PlanSiteContext, SEGMENT_NAMES, type SegmentName } from './schema.js';

const ROOT = 'network';
const isSegmentName = (s: string): s is SegmentName => (SEGMENT_NAMES as readonly string[]).includes(s);
const SEGMENT_LABEL: Record<SegmentName, string> = { dmz: 'DMZ', app: 'App', data: 'Data', mgmt: 'Mgmt' };

/** RFC 1123 label: letters, digits, inner dashes, 1-63 characters. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why a DNS name is invalid, or null when it is fine (RFC 1123 labels, total length <= 253). */
export function dnsNameProblem(name: string): string | null {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.length === 0) return 'is empty';
  if (trimmed.length > 253) return `is ${trimmed.length} characters long; a DNS name may have at most 253`;
  for (const label of trimmed.split('.')) {
    if (label.length === 0) return 'has an empty label (two dots in a row)';
    if (label.length > 63) return `has the label "${label.slice(0, 20)}..." of ${label.length} characters; a label may have at most 63`;
    if (!LABEL.test(label)) {
      if (label.startsWith('-') || label.endsWith('-')) return `has the label "${label}" that starts or ends with a dash`;
      return `has the label "${label}" with characters other than letters, digits and dashes`;
    }
  }
  return null;
}

/** Who uses an address, for "used twice" messages. */
interface AddressUser {
  label: string;
  path: string;
}

/**
 * Checks a network plan for everything that would make it unsafe or unworkable: syntax of
 * CIDRs and addresses, host bits, overlaps between segments and with the hospital's networks,
 * addresses outside their segment or on the network/broadcast/gateway address or used twice,
 * the VIP outside the DMZ, invalid DNS names, firewall rules with unknown segments or bad ports,
 * and any rule that lets the DMZ reach the data segment (refused).
 *
 * Accepts unparsed input (e.g. straight from site.yaml or the UI): shape errors are reported as
 * problems too. Pure and synchronous, so the UI can run it on every keystroke.
 * @param site the site's topology and hosts (host names must match the plan's hosts).
 * @returns problems, errors first; an empty list means the plan is sound.
 */
export function validatePlan(input: unknown, site: Pick<PlanSiteContext, 'topology' | 'hosts'>): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const error = (path: string, message: string) => problems.push({ severity: 'error', path: `${ROOT}.${path}`, message });
  const warn = (path: string, message: string) => problems.push({ severity: 'warning', path: `${ROOT}.${path}`, message });

  const parsed = NetworkPlan.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      problems.push({ severity: 'error', path: path ? `${ROOT}.${path}` : ROOT, message: issue.message });
    }
    return problems;
  }
  const plan = parsed.data;

  // --- CIDRs: syntax and host bits -------------------------------------------------------
  const checkCidr = (path: string, what: string, text: string): Cidr | null => {
    const c = parseCidr(text.trim());
    if (!c) {
      error(path, `${what} "${text}" is not a network like 192.168.10.0/24 (four numbers 0-255, a slash, a prefix 0-32).`);
      return null;
    }
    if (hasHostBits(c)) {
      error(path, `${what} ${text} has host bits set: did you mean ${formatCidr(c)}?`);
    }
    return c;
  };

  const hospital: { name: string; cidr: Cidr; path: string }[] = [];
  plan.hospitalNetworks.forEach((n, i) => {
    const c = checkCidr(`hospitalNetworks.${i}.cidr`, `Hospital network "${n.name}"`, n.cidr);
    if (c) hospital.push({ name: n.name, cidr: c, path: `hospitalNetworks.${i}.cidr` });
  });

  const segs: Partial<Record<SegmentName, Cidr>> = {};
  for (const s of SEGMENT_NAMES) {
    const c = checkCidr(`segments.${s}.cidr`, `Segment ${SEGMENT_LABEL[s]}`, plan.segments[s].cidr);
    if (c) {
      segs[s] = c;
      if (c.prefix > 30) error(`segments.${s}.cidr`, `Segment ${SEGMENT_LABEL[s]} ${plan.segments[s].cidr} is too small: a segment needs a gateway and hosts (use /30 or wider, e.g. /24).`);
    }
  }

  // --- Overlaps -------------------------------------------------------------------------
  for (let i = 0; i < SEGMENT_NAMES.length; i++) {
    const a = SEGMENT_NAMES[i]!;
    const ca = segs[a];
    if (!ca) continue;
    for (let j = 0; j < i; j++) {
      const b = SEGMENT_NAMES[j]!;
      const cb = segs[b];
      if (!cb) continue;
      const o = overlapOf(ca, cb);
      if (o) {
        error(
          `segments.${a}.cidr`,
          `Segment ${SEGMENT_LABEL[a]} ${formatCidr(ca)} overlaps segment ${SEGMENT_LABEL[b]} ${formatCidr(cb)} (shared range ${formatCidr(o)}): each segment needs its own range.`,
        );
      }
    }
    for (const h of hospital) {
      const o = overlapOf(ca, h.cidr);
      if (o) {
        error(
          `segments.${a}.cidr`,
          `Segment ${SEGMENT_LABEL[a]} ${formatCidr(ca)} overlaps the hospital network "${h.name}" ${formatCidr(h.cidr)} (shared range ${formatCidr(o)}): pick a range the hospital does not use.`,
        );
      }
    }
  }

  // --- VLANs ----------------------------------------------------------------------------
  const vlanUsers = new Map<number, SegmentName>();
  for (const s of SEGMENT_NAMES) {
    const v = plan.segments[s].vlan;
    if (v === undefined) continue;
    const other = vlanUsers.get(v);
    if (other) error(`segments.${s}.vlan`, `Segments ${SEGMENT_LABEL[other]} and ${SEGMENT_LABEL[s]} share VLAN ${v}: they would be one broadcast domain and could bypass the firewall.`);
    else vlanUsers.set(v, s);
  }

  // --- Addresses ------------------------------------------------------------------------
  const users = new Map<number, AddressUser>();
  /** Checks one address against its segment; records its user; returns the parsed address. */
  const checkAddress = (path: string, who: string, text: string, segment: SegmentName | null, opts: { isGateway?: boolean } = {}): number | null => {
    const ip = parseIp(text.trim());
    if (ip === null) {
      error(path, `${who} "${text}" is not an IPv4 address like 192.168.10.10.`);
      return null;
    }
    const c = segment ? segs[segment] : undefined;
    if (segment && c) {
      const label = SEGMENT_LABEL[segment];
      if (!containsIp(c, ip)) {
        error(path, `${who} ${text} is outside ${label} ${formatCidr(c)}.`);
      } else if (c.prefix <= 30 && ip === c.network) {
        error(path, `${who} ${text} is the network address of ${label} ${formatCidr(c)}; use an address between ${formatIp(c.network + 1)} and ${formatIp(broadcastOf(c) - 1)}.`);
      } else if (c.prefix <= 30 && ip === broadcastOf(c)) {
        error(path, `${who} ${text} is the broadcast address of ${label} ${formatCidr(c)}; use an address between ${formatIp(c.network + 1)} and ${formatIp(broadcastOf(c) - 1)}.`);
      } else if (!opts.isGateway && gateways.get(segment) === ip) {
        error(path, `${who} ${text} is the gateway of ${label}; give it another address.`);
      }
    }
    if (!opts.isGateway) {
      const prev = users.get(ip);
      if (prev) error(path, `${who} ${text} is already used by ${prev.label}: each address may be used once.`);
      else users.set(ip, { label: who, path });
    }
    return ip;
  };

  const gateways = new Map<SegmentName, number>();
  for (const s of SEGMENT_NAMES) {
    const ip = checkAddress(`segments.${s}.gateway`, `The gateway of ${SEGMENT_LABEL[s]}`, plan.segments[s].gateway, s, { isGateway: true });
    if (ip !== null) gateways.set(s, ip);
  }
  checkAddress('vip', 'The VIP', plan.vip, 'dmz');
  const vipIp = parseIp(plan.vip.trim());
  if (vipIp !== null && segs.dmz && !containsIp(segs.dmz, vipIp)) {
    // checkAddress already said "outside DMZ"; make the consequence explicit.
    warn('vip', 'Clients reach the application through the VIP, and only the DMZ is open to them: the VIP must be in the DMZ.');
  }

  const siteHosts = new Set(site.hosts.map((h) => h.name));
  const planHostNames = Object.keys(plan.hosts);
  for (const name of planHostNames) {
    const legs = plan.hosts[name]!;
    if (!siteHosts.has(name)) error(`hosts.${name}`, `Host "${name}" is not in the site's host list (site.yaml hosts): add it there or remove it from the plan.`);
    const segNames = SEGMENT_NAMES.filter((s) => legs[s] !== undefined);
    if (segNames.length === 0) error(`hosts.${name}`, `Host "${name}" has no address in any segment.`);
    for (const s of segNames) checkAddress(`hosts.${name}.${s}`, `Host ${name}'s ${SEGMENT_LABEL[s]} address`, legs[s]!, s);
  }
  for (const h of site.hosts) {
    const legs = plan.hosts[h.name];
    if (!legs) warn('hosts', `Site host "${h.name}" has no address in the plan: it will get no network configuration or firewall.`);
    else if (h.segment && isSegmentName(h.segment) && !legs[h.segment]) {
      warn(`hosts.${h.name}`, `site.yaml puts host ${h.name} in segment ${h.segment}, but the plan gives it no ${SEGMENT_LABEL[h.segment]} address.`);
    }
  }

  // --- DNS ------------------------------------------------------------------------------
  const domainProblem = dnsNameProblem(plan.domain);
  if (domainProblem) error('domain', `The internal domain "${plan.domain}" ${domainProblem}.`);
  const recordNames = new Map<string, number>();
  plan.dnsRecords.forEach((r, i) => {
    const fqdn = r.name === '@' ? plan.domain : `${r.name}.${plan.domain}`;
    if (r.name !== '@') {
      const p = dnsNameProblem(r.name) ?? (domainProblem ? null : dnsNameProblem(fqdn));
      if (p) error(`dnsRecords.${i}.name`, `DNS name "${r.name}" ${p}.`);
    }
    const key = fqdn.toLowerCase();
    const first = recordNames.get(key);
    if (first !== undefined) error(`dnsRecords.${i}.name`, `DNS name "${fqdn}" is defined twice (also record ${first + 1}).`);
    else recordNames.set(key, i);
    if (r.target !== 'vip') {
      const ip = parseIp(r.target.trim());
      if (ip === null) error(`dnsRecords.${i}.target`, `The target of "${fqdn}" must be an IPv4 address or "vip", not "${r.target}".`);
      else if (!users.has(ip)) warn(`dnsRecords.${i}.target`, `"${fqdn}" points at ${r.target}, which no host in the plan has.`);
    }
  });
  plan.nameservers.forEach((ns, i) => {
    if (parseIp(ns.trim()) === null) error(`nameservers.${i}`, `Name server "${ns}" is not an IPv4 address.`);
  });

  // --- Firewall -------------------------------------------------------------------------
  const isSegment = (s: string): s is SegmentName => (SEGMENT_NAMES as readonly string[]).includes(s);
  plan.firewall.forEach((rule, i) => {
    const path = `firewall.${i}`;
    const fromOk = isSegment(rule.from) || rule.from === HOSPITAL_SOURCE;
    if (!fromOk) error(`${path}.from`, `Rule ${i + 1}: unknown source "${rule.from}"; use dmz, app, data, mgmt or hospital.`);
    if (!isSegment(rule.to)) {
      error(`${path}.to`, rule.to === HOSPITAL_SOURCE ? `Rule ${i + 1}: the hospital network is not a destination this plan controls; use dmz, app, data or mgmt.` : `Rule ${i + 1}: unknown destination "${rule.to}"; use dmz, app, data or mgmt.`);
    }
    rule.ports.forEach((p, j) => {
      const r = parsePortSpec(p);
      if ('error' in r) error(`${path}.ports.${j}`, `Rule ${i + 1}: ${r.error}.`);
    });
    if (rule.from === 'dmz' && rule.to === 'data') {
      error(path, `Rule ${i + 1} lets the DMZ reach the Data segment (${rule.protocol} ${rule.ports.join(',')}): refused. The DMZ faces clients; the database must only be reachable from App (and SSH from Mgmt).`);
    }
    if (rule.from === HOSPITAL_SOURCE && (rule.to === 'data' || rule.to === 'app')) {
      warn(path, `Rule ${i + 1} lets the hospital network reach ${SEGMENT_LABEL[rule.to]} directly, bypassing the DMZ.`);
    }
  });

  // --- Topology-specific ----------------------------------------------------------------
  const allows = (from: string, to: string, protocol: 'tcp' | 'udp', port: number) =>
    plan.firewall.some((r) => r.from === from && r.to === to && r.protocol === protocol && rangeIncludes(portRanges(r.ports), port));
  if (site.topology === 'k3s-3') {
    for (const need of k3sRules()) {
      for (const r of portRanges(need.ports)) {
        if (!allows(need.from, need.to, need.protocol, r.lo) || !allows(need.from, need.to, need.protocol, r.hi)) {
          warn('firewall', `K3s servers need App -> App ${need.protocol.toUpperCase()} ${r.lo === r.hi ? r.lo : `${r.lo}-${r.hi}`} (${need.purpose}); the cluster will not form without it.`);
        }
      }
    }
  } else {
    for (const need of k3sRules()) {
      const r = portRanges(need.ports)[0]!;
      if (allows('app', 'app', need.protocol, r.lo)) warn('firewall', `App -> App ${need.protocol.toUpperCase()} ${need.ports.join(',')} (${need.purpose}) is open, but this site is a single server without K3s.`);
    }
  }

  // --- Load balancers -------------------------------------------------------------------
  plan.loadBalancers?.hosts.forEach((name, i) => {
    const legs = plan.hosts[name];
    if (!legs) error(`loadBalancers.hosts.${i}`, `Load balancer "${name}" has no addresses in the plan.`);
    else if (!legs.dmz) error(`loadBalancers.hosts.${i}`, `Load balancer "${name}" has no DMZ address: it cannot hold the VIP.`);
  });
  if (!plan.loadBalancers && planHostNames.length > 0) {
    warn('loadBalancers', `No load balancer host holds the VIP ${plan.vip}: names pointing at the VIP will not answer until one does (add hosts with role lb, or point the records at the application host).`);
  }

  return problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}

/** True when the list has no errors (warnings allowed). */
export function planIsUsable(problems: PlanProblem[]): boolean {
  return !problems.some((p) => p.severity === 'error');
}
