import { fillTemplate, readNetworkAsset } from './assets.js';
import { formatCidr, parseCidr } from './ipv4.js';
import { formatRange } from './ports.js';
import { SEGMENT_TITLE, hostLegs, nameserverHosts, nftPorts, resolveRules, safeComment } from './matrix.js';
import { type NetworkPlan, SEGMENT_NAMES } from './schema.js';
import { shellQuoteArg } from '../targets/shell-quote.js';

const INDENT = '    ';
const set = (items: string[]) => (items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`);

/**
 * nftables ruleset for the router between the segments: a forward chain with policy drop,
 * established/related, a reverse-path check, and one accept line per matrix rule between two
 * different segments (same-segment traffic never crosses the router). Load with `nft -f`.
 */
export function renderRouterNft(plan: NetworkPlan): string {
  const lines: string[] = [];
  for (const r of resolveRules(plan)) {
    if (r.from === r.to) continue;
    const comment = safeComment(`${SEGMENT_TITLE[r.from]} -> ${SEGMENT_TITLE[r.to]}: ${r.purpose}`);
    lines.push(`${INDENT}ip saddr ${set(r.sources)} ip daddr ${r.destination} ${r.protocol} dport ${nftPorts(r.ports)} accept comment "${comment}"`);
  }
  // Every segment may ask the plan's name servers (they serve the internal zone).
  for (const ns of nameserverHosts(plan)) {
    // Never DMZ -> Data, not even for DNS: a name server in Data is not offered to the DMZ.
    const others = SEGMENT_NAMES.filter((s) => s !== ns.segment && !(s === 'dmz' && ns.segment === 'data')).map((s) => parseCidr(plan.segments[s].cidr)).filter((c) => c !== null).map((c) => formatCidr(c));
    if (others.length === 0) continue;
    for (const proto of ['udp', 'tcp']) lines.push(`${INDENT}ip saddr ${set(others)} ip daddr ${ns.address} ${proto} dport 53 accept comment "DNS for ${plan.domain}"`);
  }
  return fillTemplate(readNetworkAsset('router-forward.nft'), { rules: lines.join('\n') }, 'router-forward.nft');
}

/**
 * Per-host input ruleset: default drop, established/related, loopback, and for each of the
 * host's legs the matrix rules ending in that leg's segment (source = the rule's source
 * networks, destination = the host's own address). Load balancers also accept VRRP from
 * their peers; name servers accept DNS.
 */
export function renderHostNft(plan: NetworkPlan, host: string): string {
  const lines: string[] = [];
  const legs = hostLegs(plan, host);
  const rules = resolveRules(plan);
  for (const [segment, address] of legs) {
    for (const r of rules.filter((x) => x.to === segment)) {
      const comment = safeComment(`${SEGMENT_TITLE[r.from]} -> ${SEGMENT_TITLE[r.to]}: ${r.purpose}`);
      lines.push(`${INDENT}ip saddr ${set(r.sources)} ip daddr ${address} ${r.protocol} dport ${nftPorts(r.ports)} accept comment "${comment}"`);
    }
  }
  for (const ns of nameserverHosts(plan).filter((n) => n.host === host)) {
    const from = ns.segment === 'data' ? `ip saddr != ${plan.segments.dmz.cidr} ` : '';
    for (const proto of ['udp', 'tcp']) lines.push(`${INDENT}${from}ip daddr ${ns.address} ${proto} dport 53 accept comment "DNS for ${plan.domain}"`);
  }
  const lbs = plan.loadBalancers?.hosts ?? [];
  if (lbs.includes(host)) {
    const peers = lbs.filter((h) => h !== host).map((h) => plan.hosts[h]?.dmz).filter((a): a is string => !!a);
    if (peers.length > 0) lines.push(`${INDENT}ip saddr ${set(peers)} ip protocol vrrp accept comment "VRRP from the other load balancers"`);
  }
  if (lines.length === 0) lines.push(`${INDENT}# The plan's matrix allows nothing into this host's segments.`);
  const addresses = legs.map(([s, a]) => `${SEGMENT_TITLE[s]} ${a}`).join(', ') || 'no addresses';
  return fillTemplate(readNetworkAsset('host-input.nft'), { host, addresses, rules: lines.join('\n') }, 'host-input.nft');
}

/**
 * The same per-host policy as ufw commands (argv lists, run in order as root). ufw keeps
 * loopback and established traffic open in its before.rules. VRRP cannot be expressed as a
 * ufw rule; load balancers using ufw need it in /etc/ufw/before.rules (see docs/network.md).
 */
export function renderUfw(plan: NetworkPlan, host: string): string[][] {
  const cmds: string[][] = [
    ['ufw', '--force', 'reset'],
    ['ufw', 'default', 'deny', 'incoming'],
    ['ufw', 'default', 'allow', 'outgoing'],
  ];
  const rules = resolveRules(plan);
  for (const [segment, address] of hostLegs(plan, host)) {
    for (const r of rules.filter((x) => x.to === segment)) {
      // ufw takes at most 15 ports per rule, "a:b" for ranges.
      const ports = r.ports.map((p) => formatRange(p, ':'));
      for (const source of r.sources) {
        for (let i = 0; i < ports.length; i += 15) {
          const chunk = ports.slice(i, i + 15).join(',');
          cmds.push(['ufw', 'allow', 'proto', r.protocol, 'from', source, 'to', address, 'port', chunk, 'comment', safeComment(`${SEGMENT_TITLE[r.from]} -> ${SEGMENT_TITLE[r.to]}: ${r.purpose}`)]);
        }
      }
    }
  }
  for (const ns of nameserverHosts(plan).filter((n) => n.host === host)) {
    for (const proto of ['udp', 'tcp']) cmds.push(['ufw', 'allow', 'proto', proto, 'from', 'any', 'to', ns.address, 'port', '53', 'comment', `DNS for ${plan.domain}`]);
  }
  cmds.push(['ufw', '--force', 'enable']);
  return cmds;
}

/** The ufw argv lists as a script an engineer can read and run by hand. */
export function ufwScript(plan: NetworkPlan, host: string): string {
  const body = renderUfw(plan, host).map((argv) => argv.map(shellQuoteArg).join(' '));
  return ['#!/bin/sh', `# ufw policy for ${host}, generated by Airgap Appliance (same policy as nftables.nft).`, 'set -eu', ...body, ''].join('\n');
}
