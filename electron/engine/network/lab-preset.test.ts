import { describe, expect, it } from 'vitest';
import { planFromLab } from './lab-preset.js';
import { validatePlan } from './validate.js';

const segments = {
  dmz: { octet: 41, cidr: '10.99.41.0/24', gateway: '10.99.41.1' },
  app: { octet: 42, cidr: '10.99.42.0/24', gateway: '10.99.42.1' },
  data: { octet: 43, cidr: '10.99.43.0/24', gateway: '10.99.43.1' },
  mgmt: { octet: 44, cidr: '10.99.44.0/24', gateway: '10.99.44.1' },
};
const nodes = [
  { name: 'node1', segment: 'dmz', address: '10.99.41.11' },
  { name: 'node2', segment: 'app', address: '10.99.42.11' },
  { name: 'node3', segment: 'data', address: '10.99.43.11' },
] as never[];
const site = { topology: 'single' as const, hosts: [{ name: 'node1', role: 'lb', segment: 'dmz' }, { name: 'node2', role: 'server', segment: 'app' }, { name: 'node3', role: 'db', segment: 'data' }] };

describe('the "lab" network preset', () => {
  it('is the lab: its segments, the nodes\' addresses, the host side as hospital, VIP .10 in the DMZ; valid', () => {
    const plan = planFromLab({ name: 'x', subnet: '10.99.40.0/24', segments, nodes }, site);
    expect(plan.preset).toBe('lab');
    expect(plan.segments.app).toMatchObject({ cidr: '10.99.42.0/24', gateway: '10.99.42.1' });
    expect(plan.hosts).toEqual({ node1: { dmz: '10.99.41.11' }, node2: { app: '10.99.42.11' }, node3: { data: '10.99.43.11' } });
    expect(plan.hospitalNetworks[0]!.cidr).toBe('10.99.40.0/24');
    expect(plan.vip).toBe('10.99.41.10');
    expect(plan.loadBalancers?.hosts).toEqual(['node1']);
    expect(plan.dnsRecords).toContainEqual({ name: 'db-primary', target: '10.99.43.11' });
    expect(validatePlan(plan, site)).toEqual([]);
  });

  it('refuses a flat lab (VALIDATION) and a site host that is not a node (NOT_FOUND)', () => {
    expect(() => planFromLab({ name: 'x', subnet: '10.99.40.0/24', nodes }, site)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => planFromLab({ name: 'x', subnet: '10.99.40.0/24', segments, nodes }, { ...site, hosts: [{ name: 'db9' }] })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
