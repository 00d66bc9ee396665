import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* `appliance network plan|check|render` as a field engineer runs them: exit codes, JSON, files. */
const bin = join(import.meta.dirname, '..', '..', 'bin', 'appliance.js');
const cli = (...args: string[]) => execa(process.execPath, [bin, 'network', ...args], { reject: false });
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'appliance-netcli-'));
  await writeFile(
    join(dir, 'site.yaml'),
    [
      'schemaVersion: 1',
      'name: CLI Hospital',
      'topology: k3s-3',
      'hosts:',
      '  - { name: node1, address: 10.99.0.11, user: root, auth: agent }',
      '  - { name: node2, address: 10.99.0.12, user: root, auth: agent }',
      '  - { name: node3, address: 10.99.0.13, user: root, auth: agent }',
      '  - { name: db1, address: 10.99.0.14, user: root, role: db, auth: agent }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('appliance network', () => {
  it('check without a plan says how to make one', async () => {
    const r = await cli('check', '--site', dir);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`appliance network plan --site ${dir}`);
  });

  it('plan writes the preset into site.yaml; check passes', async () => {
    const r = await cli('plan', '--site', dir, '--preset', 'infra-overview', '--json');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.plan.hosts.node1).toEqual({ app: '192.168.20.10' });
    expect(await readFile(join(dir, 'site.yaml'), 'utf8')).toContain('cidr: 192.168.30.0/24');
    const c = await cli('check', '--site', dir, '--json');
    expect(c.exitCode).toBe(0);
    expect(JSON.parse(c.stdout).ok).toBe(true);
  });

  it('render writes the files', async () => {
    const r = await cli('render', '--site', dir, '--out', join(dir, 'out'));
    expect(r.exitCode).toBe(0);
    expect(await readFile(join(dir, 'out', 'hosts', 'node2', 'nftables.nft'), 'utf8')).toContain('ip daddr 192.168.20.11 tcp dport 2379-2380 accept');
  });

  it('check exits 2 on errors and names the field; render refuses', async () => {
    const yaml = await readFile(join(dir, 'site.yaml'), 'utf8');
    await writeFile(join(dir, 'site.yaml'), yaml.replace('cidr: 192.168.30.0/24', 'cidr: 192.168.20.0/24'));
    const c = await cli('check', '--site', dir, '--json');
    expect(c.exitCode).toBe(2);
    const problems = JSON.parse(c.stdout).problems as { path: string; message: string }[];
    expect(problems.find((p) => p.path === 'network.segments.data.cidr')?.message).toContain('overlaps segment App 192.168.20.0/24');
    const human = await cli('check', '--site', dir);
    expect(human.stdout).toMatch(/error network\.segments\.data\.cidr: Segment Data/);
    const r = await cli('render', '--site', dir, '--out', join(dir, 'out2'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('fix them before rendering');
  });
});
