import { createHash } from 'node:crypto';
import { ApplianceError } from '../../errors.js';
import { renderHostNft, resolveRules, type NetworkPlan } from '../../network/index.js';
import type { InstallerSource } from './installer-source.js';

const INDENT = '    ';
/** Carries the ruleset's id into a rule comment, so the LIVE table shows which render is loaded. */
const MARK = 'airgap-appliance ID';

/** The id a rendered ruleset carries, or null (e.g. a live listing of other rules). */
export function rulesetId(text: string): string | null {
  return /airgap-appliance ([0-9a-f]{16})\)/.exec(text)?.[1] ?? null;
}

export interface FirewallInput {
  /** The installer's own SSH session: always admitted, whatever the plan says. */
  installer: InstallerSource;
  /** Ports the stack publishes on this host (single server: the proxy's 80/443); [] for none. */
  publishedPorts: number[];
}

const set = (items: string[]) => (items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`);

/**
 * The lines this installer adds to the plan's host ruleset: the installer's SSH session (so the
 * change can never cut off the run that makes it), IPv6 neighbour discovery (a default-drop inet
 * chain would otherwise break IPv6 on the link), and the stack's published ports from every
 * source the plan lets reach that port (a single server answers the app names itself).
 */
export function extraInputLines(plan: NetworkPlan, input: FirewallInput): string[] {
  const family = input.installer.address.includes(':') ? 'ip6' : 'ip';
  const lines = [
    `${INDENT}${family} saddr ${input.installer.address} tcp dport ${input.installer.sshPort} accept comment "the installer's SSH session (${MARK})"`,
    `${INDENT}icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept`,
  ];
  const rules = resolveRules(plan).filter((r) => r.protocol === 'tcp');
  for (const port of [...new Set(input.publishedPorts)].sort((a, b) => a - b)) {
    const sources = [...new Set(rules.filter((r) => r.ports.some((p) => p.lo <= port && port <= p.hi)).flatMap((r) => r.sources))];
    if (sources.length === 0) continue;
    lines.push(`${INDENT}ip saddr ${set(sources)} tcp dport ${port} accept comment "published port ${port} of the stack"`);
  }
  return lines;
}

/**
 * The host's input ruleset: the plan's (renderHostNft, installer-assets/network/host-input.nft)
 * with extraInputLines added to the end of its input chain. Loading it replaces only the table
 * inet appliance_host: Docker's and fail2ban's tables are untouched.
 */
export function renderFirewall(plan: NetworkPlan, host: string, input: FirewallInput): string {
  const base = renderHostNft(plan, host);
  // The template ends with the input chain's and the table's closing braces.
  const at = base.lastIndexOf('\n  }\n}');
  if (at < 0) throw new ApplianceError('INTERNAL', 'host-input.nft no longer ends with the input chain: update firewall-render.ts.');
  const text = `${base.slice(0, at)}\n${extraInputLines(plan, input).join('\n')}${base.slice(at)}${base.endsWith('\n') ? '' : '\n'}`;
  // nft normalises what it lists (merged prefixes, set order), so a listing cannot be compared
  // with the file; the id of the text, in a comment, survives the round trip.
  const id = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return text.replace(MARK, `airgap-appliance ${id}`);
}
