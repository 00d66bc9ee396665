import { describe, expect, it } from 'vitest';
import { planFromPreset } from '../network/index.js';
import { certificatePlan, constraintInputs } from './plan.js';

const k3sHosts = [
  { name: 'lb1', role: 'lb' },
  { name: 'node1', role: 'server' },
  { name: 'node2', role: 'server' },
  { name: 'node3', role: 'server' },
  { name: 'db1', role: 'db' },
  { name: 'db2', role: 'db' },
  { name: 'mon1', role: 'mgmt' },
] as const;

function config(topology: 'single' | 'k3s-3', hosts: readonly { name: string; role: string }[]) {
  return {
    topology,
    domain: 'hospital-erp.local',
    hosts: hosts.map((h) => ({ ...h, address: '10.99.0.1', port: 22, user: 'admin', auth: 'agent' as const, role: h.role as 'server' })),
    network: planFromPreset('onprem-guide', { topology, hosts: hosts.map((h) => ({ ...h })), domain: 'hospital-erp.local' }),
  };
}

describe('certificatePlan', () => {
  it('derives the K3s site\'s certificates from the network plan', () => {
    const plan = certificatePlan(config('k3s-3', k3sHosts));
    const by = Object.fromEntries(plan.map((c) => [c.name, c]));
    expect(Object.keys(by)).toEqual(['web', 'postgresql', 'redis', 'grafana', 'k3s-api']);
    expect(by.web).toMatchObject({ commonName: 'hospital-erp.local', dns: ['api.hospital-erp.local', 'hospital-erp.local'], ip: ['192.168.1.10'], haproxy: true });
    expect(by.web!.destinations.map((d) => d.host)).toEqual(['lb1']);
    expect(by.postgresql).toMatchObject({ dns: ['db-primary.hospital-erp.local', 'db-standby.hospital-erp.local'], ip: ['192.168.20.10', '192.168.20.11'] });
    expect(by.postgresql!.destinations.map((d) => d.host)).toEqual(['db1', 'db2']);
    expect(by.redis).toMatchObject({ dns: ['redis.hospital-erp.local'] });
    expect(by.grafana).toMatchObject({ dns: ['grafana.hospital-erp.local'], ip: ['192.168.100.10'] });
    expect(by['k3s-api']!.ip).toEqual(['192.168.1.10', '192.168.10.10', '192.168.10.11', '192.168.10.12']);
    expect(by['k3s-api']!.dns).toContain('node2.hospital-erp.local');
  });

  it('puts everything on the one server for a single-server site, without a K3s certificate', () => {
    const plan = certificatePlan(config('single', [{ name: 'app1', role: 'server' }]));
    expect(plan.map((c) => c.name)).toEqual(['web', 'postgresql', 'redis', 'grafana']);
    for (const c of plan) expect(c.destinations.map((d) => d.host)).toEqual(['app1']);
    expect(plan.find((c) => c.name === 'postgresql')!.ip).toEqual(['192.168.10.10']);
  });

  it('adds extra names (DNS or IP) to the web certificate', () => {
    const web = certificatePlan(config('single', [{ name: 'app1', role: 'server' }]), ['portal.hospital-erp.local', '192.168.1.20'])[0]!;
    expect(web.dns).toContain('portal.hospital-erp.local');
    expect(web.ip).toEqual(['192.168.1.10', '192.168.1.20']);
  });

  it('needs a network plan (the CA is limited to its segments)', () => {
    const c = { ...config('single', [{ name: 'app1', role: 'server' }]), network: undefined };
    expect(() => certificatePlan(c)).toThrow(/no network plan/);
    expect(() => constraintInputs(c)).toThrow(/no network plan/);
  });

  it('gives the CA the four segments and the VIP', () => {
    expect(constraintInputs(config('k3s-3', k3sHosts))).toEqual({ domain: 'hospital-erp.local', cidrs: ['192.168.1.0/24', '192.168.10.0/24', '192.168.20.0/24', '192.168.100.0/24'], vip: '192.168.1.10' });
  });
});
