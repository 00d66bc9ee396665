import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planFromPreset } from './presets.js';
import { renderPlan } from './render-all.js';
import { renderHostNft, renderRouterNft, renderUfw } from './render-firewall.js';
import { renderDnsmasq, renderHostsFile, renderNetplan } from './render-host-config.js';
import { renderHaproxy, renderKeepalived } from './render-lb.js';
import type { PlanSiteContext } from './schema.js';
import { validatePlan } from './validate.js';

const site: PlanSiteContext = {
  topology: 'k3s-3',
  hosts: [
    { name: 'lb1', role: 'lb' },
    { name: 'lb2', role: 'lb' },
    { name: 'node1', role: 'server' },
    { name: 'node2', role: 'server' },
    { name: 'node3', role: 'server' },
    { name: 'db1', role: 'db' },
    { name: 'admin', role: 'mgmt' },
  ],
};
const plan = () => planFromPreset('onprem-guide', site);

describe('nftables', () => {
  it('router forwards exactly the matrix between different segments, never DMZ -> Data', () => {
    const p = plan();
    p.firewall.push({ from: 'dmz', to: 'data', protocol: 'tcp', ports: [5432], purpose: 'ignored' });
    const text = renderRouterNft(p);
    expect(text).toContain('policy drop;');
    expect(text).toContain('ip saddr 192.168.1.0/24 ip daddr 192.168.10.0/24 tcp dport { 80, 443 } accept');
    expect(text).toContain('ip saddr 192.168.10.0/24 ip daddr 192.168.20.0/24 tcp dport { 5432, 6379, 2049 } accept');
    expect(text).not.toMatch(/ip saddr 192\.168\.1\.0\/24 ip daddr 192\.168\.20\./);
    // App -> App (K3s) is same-segment: not a router rule.
    expect(text).not.toContain('8472');
  });
  it('host input opens the matrix ports of its segment only', () => {
    const node = renderHostNft(plan(), 'node1');
    expect(node).toContain('ip saddr 192.168.10.0/24 ip daddr 192.168.10.10 tcp dport 2379-2380 accept');
    expect(node).toContain('udp dport 8472 accept');
    expect(node).not.toContain('5432');
    const db = renderHostNft(plan(), 'db1');
    expect(db).toContain('ip saddr 192.168.10.0/24 ip daddr 192.168.20.10 tcp dport { 5432, 6379, 2049 } accept');
    expect(db).not.toContain('192.168.1.0/24');
    expect(renderHostNft(plan(), 'lb1')).toContain('ip saddr 192.168.1.12 ip protocol vrrp accept');
  });
  it('never opens DNS from the DMZ to a name server in Data', () => {
    const p = plan();
    p.nameservers = ['192.168.20.10'];
    expect(renderRouterNft(p)).toContain('ip saddr { 192.168.10.0/24, 192.168.100.0/24 } ip daddr 192.168.20.10 udp dport 53');
    expect(renderHostNft(p, 'db1')).toContain('ip saddr != 192.168.1.0/24 ip daddr 192.168.20.10 udp dport 53 accept');
  });
});

describe('ufw', () => {
  it('renders argv lists with ranges in ufw syntax', () => {
    const cmds = renderUfw(plan(), 'node1');
    expect(cmds[0]).toEqual(['ufw', '--force', 'reset']);
    expect(cmds).toContainEqual(['ufw', 'allow', 'proto', 'tcp', 'from', '192.168.10.0/24', 'to', '192.168.10.10', 'port', '2379:2380', 'comment', 'App -> App: embedded etcd client and peer']);
    expect(cmds.at(-1)).toEqual(['ufw', '--force', 'enable']);
  });
});

describe('netplan, hosts, dnsmasq', () => {
  it('netplan is version 2 with addresses, one default route and name servers', () => {
    const p = plan();
    p.hosts.admin = { app: '192.168.10.50', mgmt: '192.168.100.10' };
    p.nameservers = ['192.168.100.10'];
    const doc = parse(renderNetplan(p, 'admin'));
    expect(doc.network.version).toBe(2);
    expect(doc.network.ethernets.eth0.addresses).toEqual(['192.168.10.50/24']);
    expect(doc.network.ethernets.eth0.routes).toEqual([{ to: 'default', via: '192.168.10.1' }]);
    expect(doc.network.ethernets.eth1.addresses).toEqual(['192.168.100.10/24']);
    expect(doc.network.ethernets.eth1.routes).toBeUndefined();
    expect(doc.network.ethernets.eth0.nameservers).toEqual({ addresses: ['192.168.100.10'], search: ['hospital-erp.local'] });
  });
  it('hosts file and dnsmasq carry hosts and records; dnsmasq has no upstream', () => {
    const hosts = renderHostsFile(plan());
    expect(hosts).toMatch(/^192\.168\.1\.10\thospital-erp\.local api\.hospital-erp\.local$/m);
    expect(hosts).toMatch(/^192\.168\.10\.10\tnode1\.hospital-erp\.local node1$/m);
    const dns = renderDnsmasq(plan());
    expect(dns).toContain('local=/hospital-erp.local/');
    expect(dns).toContain('host-record=api.hospital-erp.local,192.168.1.10');
    expect(dns).toContain('no-resolv');
    expect(dns).not.toMatch(/^server=/m);
  });
});

describe('load balancers', () => {
  it('haproxy sends 80/443 to the app nodes; keepalived has MASTER/BACKUP and unicast peers', () => {
    const cfg = renderHaproxy(plan(), 'lb1');
    expect(cfg).toContain('server node1 192.168.10.10:443 check');
    expect(cfg).toContain('server node3 192.168.10.12:80 check');
    const k1 = renderKeepalived(plan(), 'lb1');
    const k2 = renderKeepalived(plan(), 'lb2');
    expect(k1).toContain('state MASTER');
    expect(k2).toContain('state BACKUP');
    expect(k2).toContain('unicast_src_ip 192.168.1.12');
    expect(k2).toMatch(/unicast_peer \{\s+192\.168\.1\.11\s+\}/);
    expect(k1).toContain('192.168.1.10/24 dev eth0');
  });
});

describe('renderPlan', () => {
  it('refuses a plan with errors and lists files per host otherwise', () => {
    const bad = plan();
    bad.vip = '10.0.0.5';
    expect(() => renderPlan(bad, validatePlan(bad, site))).toThrow(/error/);
    const files = renderPlan(plan(), validatePlan(plan(), site)).map((f) => f.path);
    expect(files).toContain('router/nftables.nft');
    expect(files).toContain('hosts/node1/netplan.yaml');
    expect(files).toContain('hosts/lb2/keepalived.conf');
    expect(files).not.toContain('hosts/node1/haproxy.cfg');
  });
});
