import { describe, expect, it } from 'vitest';
import { planFromPreset } from './presets.js';
import type { NetworkPlan, PlanSiteContext } from './schema.js';
import { dnsNameProblem, planIsUsable, validatePlan } from './validate.js';
import { k3sSite } from '../../../test/fixtures/network-site.js';

const singleSite: PlanSiteContext = { topology: 'single', hosts: [{ name: 'server1', role: 'server' }] };

const fresh = (site = k3sSite, preset: 'onprem-guide' | 'infra-overview' = 'onprem-guide'): NetworkPlan => planFromPreset(preset, site);
const errorsOf = (plan: unknown, site = k3sSite) => validatePlan(plan, site).filter((p) => p.severity === 'error');
const at = (plan: unknown, path: string, site = k3sSite) => validatePlan(plan, site).filter((p) => p.path === path);

describe('presets', () => {
  it('onprem-guide follows the design document', () => {
    const p = fresh();
    expect(p.segments.dmz.cidr).toBe('192.168.1.0/24');
    expect(p.segments.app.cidr).toBe('192.168.10.0/24');
    expect(p.segments.data.cidr).toBe('192.168.20.0/24');
    expect(p.segments.mgmt.cidr).toBe('192.168.100.0/24');
    expect(p.hospitalNetworks[0]!.cidr).toBe('10.0.0.0/16');
    expect(p.vip).toBe('192.168.1.10');
    expect(p.hosts.node1).toEqual({ app: '192.168.10.10' });
    expect(p.hosts.node3).toEqual({ app: '192.168.10.12' });
    expect(p.hosts.db1).toEqual({ data: '192.168.20.10' });
    expect(p.hosts.db2).toEqual({ data: '192.168.20.11' });
    expect(p.hosts.lb1).toEqual({ dmz: '192.168.1.11' });
    expect(p.loadBalancers?.hosts).toEqual(['lb1', 'lb2']);
    expect(p.dnsRecords).toEqual(
      expect.arrayContaining([
        { name: '@', target: 'vip' },
        { name: 'api', target: 'vip' },
        { name: 'db-primary', target: '192.168.20.10' },
        { name: 'db-standby', target: '192.168.20.11' },
      ]),
    );
  });
  it('is valid for k3s-3 and single', () => {
    expect(errorsOf(fresh())).toEqual([]);
    expect(validatePlan(fresh(), k3sSite)).toEqual([]);
    expect(errorsOf(fresh(singleSite), singleSite)).toEqual([]);
    expect(errorsOf(fresh(k3sSite, 'infra-overview'))).toEqual([]);
  });
  it('opens exactly the K3s ports for k3s-3 and none for single', () => {
    const k = fresh().firewall.filter((r) => r.from === 'app' && r.to === 'app');
    expect(k.map((r) => `${r.protocol}:${r.ports.join(',')}`).sort()).toEqual(['tcp:10250', 'tcp:2379-2380', 'tcp:6443', 'udp:8472']);
    expect(fresh(singleSite).firewall.filter((r) => r.from === 'app' && r.to === 'app')).toEqual([]);
    expect(fresh(singleSite).firewall.some((r) => r.ports.includes(6443))).toBe(false);
  });
  it('infra-overview uses .10/.20/.30/.40', () => {
    const p = fresh(k3sSite, 'infra-overview');
    expect([p.segments.dmz.cidr, p.segments.app.cidr, p.segments.data.cidr, p.segments.mgmt.cidr]).toEqual([
      '192.168.10.0/24',
      '192.168.20.0/24',
      '192.168.30.0/24',
      '192.168.40.0/24',
    ]);
    expect(p.hosts.node1).toEqual({ app: '192.168.20.10' });
  });
  it('single server: database names point at the app host', () => {
    const p = fresh(singleSite);
    expect(p.dnsRecords.find((r) => r.name === 'db-primary')?.target).toBe('192.168.10.10');
  });
});

describe('validatePlan', () => {
  it('reports bad CIDR syntax with the field path', () => {
    const p = fresh();
    p.segments.data.cidr = '192.168.20/24';
    const probs = at(p, 'network.segments.data.cidr');
    expect(probs[0]!.severity).toBe('error');
    expect(probs[0]!.message).toMatch(/is not a network like/);
  });
  it('reports host bits with the suggestion', () => {
    const p = fresh();
    p.segments.dmz.cidr = '192.168.1.5/24';
    expect(at(p, 'network.segments.dmz.cidr').map((x) => x.message)).toContain('Segment DMZ 192.168.1.5/24 has host bits set: did you mean 192.168.1.0/24?');
  });
  it('reports overlap between segments naming both and the range', () => {
    const p = fresh();
    p.segments.data.cidr = '192.168.10.0/25';
    p.segments.data.gateway = '192.168.10.1';
    const m = at(p, 'network.segments.data.cidr').map((x) => x.message);
    expect(m.some((x) => x.includes('Data 192.168.10.0/25') && x.includes('App 192.168.10.0/24') && x.includes('shared range 192.168.10.0/25'))).toBe(true);
  });
  it('reports overlap with the hospital network', () => {
    const p = fresh();
    p.segments.mgmt.cidr = '10.0.100.0/24';
    p.segments.mgmt.gateway = '10.0.100.1';
    const m = at(p, 'network.segments.mgmt.cidr').map((x) => x.message);
    expect(m).toContain('Segment Mgmt 10.0.100.0/24 overlaps the hospital network "Hospital network" 10.0.0.0/16 (shared range 10.0.100.0/24): pick a range the hospital does not use.');
  });
  it('reports addresses outside, on network/broadcast/gateway, and used twice', () => {
    const p = fresh();
    p.hosts.node1 = { app: '192.168.11.10' };
    p.hosts.node2 = { app: '192.168.10.0' };
    p.hosts.node3 = { app: '192.168.10.255' };
    p.hosts.db1 = { data: '192.168.20.1' };
    p.hosts.admin = { mgmt: '192.168.100.10', dmz: '192.168.1.11' };
    expect(at(p, 'network.hosts.node1.app')[0]!.message).toBe("Host node1's App address 192.168.11.10 is outside App 192.168.10.0/24.");
    expect(at(p, 'network.hosts.node2.app')[0]!.message).toMatch(/is the network address of App/);
    expect(at(p, 'network.hosts.node3.app')[0]!.message).toMatch(/is the broadcast address of App/);
    expect(at(p, 'network.hosts.db1.data')[0]!.message).toMatch(/is the gateway of Data/);
    // lb1 has 192.168.1.11 first, admin's DMZ leg reuses it
    expect(at(p, 'network.hosts.admin.dmz')[0]!.message).toBe("Host admin's DMZ address 192.168.1.11 is already used by Host lb1's DMZ address: each address may be used once.");
  });
  it('reports the VIP outside the DMZ and the VIP reused by a host', () => {
    const p = fresh();
    p.vip = '192.168.10.50';
    expect(at(p, 'network.vip').some((x) => x.severity === 'error' && /outside DMZ/.test(x.message))).toBe(true);
    const q = fresh();
    q.hosts.lb1 = { dmz: '192.168.1.10' };
    expect(at(q, 'network.hosts.lb1.dmz')[0]!.message).toMatch(/already used by The VIP/);
  });
  it('reports gateways outside their segment', () => {
    const p = fresh();
    p.segments.app.gateway = '192.168.11.1';
    expect(at(p, 'network.segments.app.gateway')[0]!.message).toBe('The gateway of App 192.168.11.1 is outside App 192.168.10.0/24.');
  });
  it('reports invalid DNS names', () => {
    const p = fresh();
    const n = p.dnsRecords.length;
    p.dnsRecords.push({ name: 'bad_name', target: 'vip' }, { name: '-x', target: 'vip' }, { name: 'a'.repeat(64), target: 'vip' }, { name: 'api', target: 'vip' });
    expect(at(p, `network.dnsRecords.${n + 0}.name`)[0]!.message).toMatch(/characters other than letters/);
    expect(at(p, `network.dnsRecords.${n + 1}.name`)[0]!.message).toMatch(/starts or ends with a dash/);
    expect(at(p, `network.dnsRecords.${n + 2}.name`)[0]!.message).toMatch(/at most 63/);
    expect(at(p, `network.dnsRecords.${n + 3}.name`)[0]!.message).toMatch(/defined twice/);
    expect(dnsNameProblem(`${'a'.repeat(60)}.`.repeat(5))).toMatch(/at most 253/);
    expect(dnsNameProblem('hospital-erp.local')).toBeNull();
  });
  it('refuses DMZ -> Data', () => {
    const p = fresh();
    p.firewall.push({ from: 'dmz', to: 'data', protocol: 'tcp', ports: [5432], purpose: 'shortcut' });
    const probs = at(p, `network.firewall.${p.firewall.length - 1}`);
    expect(probs[0]!.severity).toBe('error');
    expect(probs[0]!.message).toMatch(/refused/);
    expect(planIsUsable(validatePlan(p, k3sSite))).toBe(false);
  });
  it('reports unknown segments and bad ports in rules', () => {
    const p = fresh();
    p.firewall.push({ from: 'dmzz', to: 'hospital', protocol: 'tcp', ports: [0, '70000', '2380-2379', 'http'], purpose: '' });
    const i = p.firewall.length - 1;
    expect(at(p, `network.firewall.${i}.from`)[0]!.message).toMatch(/unknown source "dmzz"/);
    expect(at(p, `network.firewall.${i}.to`)[0]!.message).toMatch(/not a destination/);
    expect(at(p, `network.firewall.${i}.ports.0`)[0]!.message).toMatch(/outside 1-65535/);
    expect(at(p, `network.firewall.${i}.ports.1`)[0]!.message).toMatch(/outside 1-65535/);
    expect(at(p, `network.firewall.${i}.ports.2`)[0]!.message).toMatch(/did you mean 2379-2380/);
    expect(at(p, `network.firewall.${i}.ports.3`)[0]!.message).toMatch(/not a port/);
  });
  it('warns when k3s-3 lacks a K3s port and single has them', () => {
    const p = fresh();
    p.firewall = p.firewall.filter((r) => !(r.protocol === 'udp' && r.to === 'app'));
    expect(validatePlan(p, k3sSite).some((x) => x.severity === 'warning' && /UDP 8472/.test(x.message))).toBe(true);
    const s = fresh(singleSite);
    s.firewall.push({ from: 'app', to: 'app', protocol: 'tcp', ports: ['2379-2380'], purpose: '' });
    expect(validatePlan(s, singleSite).some((x) => /single server without K3s/.test(x.message))).toBe(true);
  });
  it('reports hosts not in the site and VLAN reuse', () => {
    const p = fresh();
    p.hosts.ghost = { app: '192.168.10.99' };
    p.segments.dmz.vlan = 10;
    p.segments.app.vlan = 10;
    expect(at(p, 'network.hosts.ghost')[0]!.message).toMatch(/not in the site's host list/);
    expect(at(p, 'network.segments.app.vlan')[0]!.message).toMatch(/share VLAN 10/);
  });
  it('warns when site.yaml puts a host in a segment the plan does not give it', () => {
    const site: PlanSiteContext = { topology: 'single', hosts: [{ name: 'server1', role: 'server', segment: 'data' }] };
    const p = planFromPreset('onprem-guide', { ...site, hosts: [{ name: 'server1', role: 'server' }] });
    expect(at(p, 'network.hosts.server1', site)[0]).toMatchObject({ severity: 'warning', message: expect.stringMatching(/no Data address/) });
    // planFromPreset honours the site's segment.
    expect(planFromPreset('onprem-guide', site).hosts.server1).toEqual({ data: '192.168.20.10' });
  });
  it('reports shape problems as errors instead of throwing', () => {
    const probs = validatePlan({ segments: {} }, k3sSite);
    expect(probs.length).toBeGreaterThan(0);
    expect(probs.every((p) => p.severity === 'error' && p.path.startsWith('network'))).toBe(true);
  });
  it('sorts errors before warnings', () => {
    const p = fresh();
    p.hosts.node1 = { app: 'x' };
    p.dnsRecords.push({ name: 'orphan', target: '192.168.20.99' });
    const probs = validatePlan(p, k3sSite);
    const firstWarning = probs.findIndex((x) => x.severity === 'warning');
    expect(firstWarning).toBeGreaterThan(0);
    expect(probs.slice(firstWarning).every((x) => x.severity === 'warning')).toBe(true);
  });
});
