import { describe, expect, it } from 'vitest';
import { planFromPreset } from './presets.js';
import type { PlanSiteContext } from './schema.js';
import { buildProbeCases } from './verify.js';

const site: PlanSiteContext = {
  topology: 'k3s-3',
  hosts: [
    { name: 'lb1', role: 'lb' },
    { name: 'node1', role: 'server' },
    { name: 'node2', role: 'server' },
    { name: 'db1', role: 'db' },
    { name: 'admin', role: 'mgmt' },
  ],
};

describe('buildProbeCases', () => {
  const plan = planFromPreset('onprem-guide', site);
  const cases = buildProbeCases(plan);
  const find = (from: string, to: string, protocol: string, port: number) => cases.find((c) => c.from === from && c.to === to && c.protocol === protocol && c.port === port);

  it('expects every matrix port open between the right hosts, ranges at both ends', () => {
    expect(find('lb1', 'node1', 'tcp', 443)?.expected).toBe('open');
    expect(find('node1', 'db1', 'tcp', 5432)?.expected).toBe('open');
    expect(find('node1', 'node2', 'tcp', 2379)?.expected).toBe('open');
    expect(find('node1', 'node2', 'tcp', 2380)?.expected).toBe('open');
    expect(find('node2', 'node1', 'udp', 8472)?.expected).toBe('open');
    expect(find('admin', 'db1', 'tcp', 22)?.expected).toBe('open');
  });
  it('samples the denied flows that matter first', () => {
    // Into Data, the DMZ is tried on the ports Data serves to App.
    expect(find('lb1', 'db1', 'tcp', 5432)?.expected).toBe('closed');
    expect(find('lb1', 'db1', 'tcp', 2049)?.expected).toBe('closed');
    expect(find('lb1', 'node1', 'tcp', 22)?.expected).toBe('closed');
    // Into App from Data: the ports App serves to others, lowest first (22, 80, 443), and UDP 8472.
    expect(cases.filter((c) => c.from === 'db1' && c.to === 'node1').map((c) => `${c.protocol}/${c.port} ${c.expected}`)).toEqual([
      'tcp/22 closed',
      'tcp/80 closed',
      'tcp/443 closed',
      'udp/8472 closed',
    ]);
    expect(buildProbeCases(plan, { deniedSample: 1 }).filter((c) => c.from === 'db1' && c.to === 'node1')).toHaveLength(2);
  });
  it('never expects a port both open and closed for the same pair', () => {
    const key = (c: (typeof cases)[number]) => `${c.from}>${c.to}>${c.address}>${c.protocol}>${c.port}`;
    const seen = new Map<string, string>();
    for (const c of cases) {
      const prev = seen.get(key(c));
      if (prev) expect(prev).toBe(c.expected);
      seen.set(key(c), c.expected);
    }
    expect(cases.some((c) => c.from === c.to)).toBe(false);
  });
});
