import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApplianceError } from '../errors.js';
import { nameserverHosts } from './matrix.js';
import { renderHostNft, renderRouterNft, ufwScript } from './render-firewall.js';
import { type InterfaceOf, defaultInterfaceOf, renderDnsmasq, renderHostsFile, renderNetplan } from './render-host-config.js';
import { renderHaproxy, renderKeepalived } from './render-lb.js';
import type { NetworkPlan, PlanProblem } from './schema.js';

export interface RenderedFile {
  /** Relative to the output folder, e.g. "hosts/node1/nftables.nft". */
  path: string;
  content: string;
  /** Where the file goes on the host (for the installer and the README of the output). */
  installTo?: string;
  mode?: number;
}

/**
 * Renders every configuration file of a plan: the router's forward ruleset, and per host its
 * input ruleset (nftables and ufw), netplan, /etc/hosts, plus haproxy/keepalived on load
 * balancers and dnsmasq on name servers. Refuses a plan with validation errors.
 */
export function renderPlan(plan: NetworkPlan, problems: PlanProblem[], interfaceOf: InterfaceOf = defaultInterfaceOf): RenderedFile[] {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new ApplianceError('VALIDATION', `The network plan has ${errors.length} error(s); fix them before rendering: ${errors.map((e) => `${e.path}: ${e.message}`).join(' ')}`, { problems: errors });
  }
  const files: RenderedFile[] = [
    { path: 'router/nftables.nft', content: renderRouterNft(plan), installTo: '/etc/nftables.d/appliance-router.nft' },
    { path: 'dns/hosts', content: renderHostsFile(plan), installTo: '/etc/hosts (append)' },
    { path: 'dns/dnsmasq.conf', content: renderDnsmasq(plan), installTo: '/etc/dnsmasq.d/appliance.conf' },
  ];
  const hosts = renderHostsFile(plan);
  const nameservers = new Set(nameserverHosts(plan).map((n) => n.host));
  for (const host of Object.keys(plan.hosts)) {
    const dir = `hosts/${host}`;
    files.push(
      { path: `${dir}/nftables.nft`, content: renderHostNft(plan, host), installTo: '/etc/nftables.d/appliance-host.nft' },
      { path: `${dir}/ufw.sh`, content: ufwScript(plan, host), mode: 0o755 },
      { path: `${dir}/netplan.yaml`, content: renderNetplan(plan, host, interfaceOf), installTo: '/etc/netplan/60-appliance.yaml', mode: 0o600 },
      { path: `${dir}/hosts`, content: hosts, installTo: '/etc/hosts (append)' },
    );
    if (plan.loadBalancers?.hosts.includes(host)) {
      files.push(
        { path: `${dir}/haproxy.cfg`, content: renderHaproxy(plan, host), installTo: '/etc/haproxy/haproxy.cfg' },
        { path: `${dir}/keepalived.conf`, content: renderKeepalived(plan, host, interfaceOf), installTo: '/etc/keepalived/keepalived.conf' },
      );
    }
    if (nameservers.has(host)) files.push({ path: `${dir}/dnsmasq.conf`, content: renderDnsmasq(plan), installTo: '/etc/dnsmasq.d/appliance.conf' });
  }
  return files;
}

/** Writes rendered files under `outDir` (creating folders). */
export async function writeRendered(outDir: string, files: RenderedFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) {
    const path = join(outDir, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content, { mode: f.mode ?? 0o644 });
    written.push(path);
  }
  return written;
}
