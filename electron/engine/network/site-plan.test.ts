import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSitePlan, planSite, renderSitePlan, saveSitePlan } from './site-plan.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'appliance-netsite-'));
  await writeFile(
    join(dir, 'site.yaml'),
    [
      '# my comment survives',
      'schemaVersion: 1',
      'name: Test Hospital',
      'topology: single',
      'domain: hospital-erp.local',
      'hosts:',
      '  - { name: server1, address: 10.99.0.11, user: root, auth: agent }',
      '',
    ].join('\n'),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('site plan', () => {
  it('says how to create a plan when there is none', async () => {
    await expect(loadSitePlan(dir)).rejects.toThrow(/appliance network plan --site/);
  });
  it('writes a preset plan into site.yaml, keeps comments, and reads it back', async () => {
    const { plan, problems } = await planSite(dir, 'onprem-guide');
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const text = await readFile(join(dir, 'site.yaml'), 'utf8');
    expect(text).toContain('# my comment survives');
    expect(parse(text).network.hosts.server1).toEqual({ app: '192.168.10.10' });
    const loaded = await loadSitePlan(dir);
    expect(loaded.plan).toEqual(plan);
  });
  it('saves an edited plan with errors but refuses to render it', async () => {
    const { plan } = await planSite(dir, 'onprem-guide');
    plan.segments.data.cidr = '192.168.10.0/24';
    const saved = await saveSitePlan(dir, plan);
    expect(saved.problems.some((p) => p.path === 'network.segments.data.cidr' && /overlaps segment App/.test(p.message))).toBe(true);
    await expect(renderSitePlan(dir, join(dir, 'out'))).rejects.toThrow(/fix them before rendering/);
  });
  it('refuses a plan of the wrong shape', async () => {
    await expect(saveSitePlan(dir, { segments: 'nope' })).rejects.toThrow(/cannot be saved/);
  });
  it('renders files for the single server', async () => {
    await planSite(dir, 'infra-overview');
    const { written } = await renderSitePlan(dir, join(dir, 'out'));
    expect(written.some((w) => w.endsWith('hosts/server1/nftables.nft'))).toBe(true);
    expect(await readFile(join(dir, 'out/hosts/server1/netplan.yaml'), 'utf8')).toContain('192.168.20.10/24');
  });
});
