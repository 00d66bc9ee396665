import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labDown, labUp, type LabStatus } from '../../electron/engine/lab/index.js';
import { NetworkPlan } from '../../electron/engine/network/schema.js';
import { verifyPlan, type VerifyReport } from '../../electron/engine/network/verify.js';
import type { Target } from '../../electron/engine/targets/index.js';
import { parse as parseYaml } from 'yaml';
import { describeWithLab, nodeExec, sshArgs, testLabName } from './support/lab.js';
import { NetnsTarget } from './support/netns-target.js';

/*
 * A segmented lab (`lab up --segments`, 3 nodes: DMZ, App, Data) as the site's truth: a site made
 * from it gets the "lab" plan with the nodes' real addresses, passes `network check`, and once the
 * site's RENDERED router rules are loaded into the lab's router, real packets between the nodes
 * follow the plan. Own lab (its name suffixed like every test lab).
 */

const NAME = testLabName('labseg');
const REPO = resolve(import.meta.dirname, '../..');
const PASSPHRASE = 'lab segments test passphrase';
const cli = (args: string[], opts: { reject?: boolean } = {}) =>
  execa(process.execPath, [join(REPO, 'bin/appliance.js'), ...args], { cwd: REPO, reject: opts.reject ?? true, env: { ...process.env, APPLIANCE_PASSPHRASE: PASSPHRASE } });

describeWithLab('segmented lab: four segments behind a router, the site plan made from it (own lab)', () => {
  let lab: LabStatus;
  let work: string;
  let site: string;
  let plan: NetworkPlan;
  const node = (segment: string) => lab.nodes.find((n) => n.segment === segment)!;
  const targets = () => new Map<string, Target>(lab.nodes.map((n) => [n.name, new NetnsTarget(n.name, n.netns)]));

  beforeAll(async () => {
    await labDown({ name: NAME });
    lab = await labUp({ name: NAME, nodes: 3, segmented: true, dataSize: '64M' });
    work = await mkdtemp(join(tmpdir(), 'lab-segments-'));
    site = join(work, 'site');
    await cli(['site', 'init', site, '--name', 'Segmented Lab', '--topology', 'single', '--from-lab', '--lab-name', NAME]);
    plan = NetworkPlan.parse((parseYaml(await readFile(join(site, 'site.yaml'), 'utf8')) as { network: unknown }).network);
  }, 600_000);
  afterAll(async () => {
    await labDown({ name: NAME });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('puts node1-3 in DMZ, App and Data, each on its own 10.99 subnet behind the router, reachable from the host', async () => {
    expect(lab.topology).toBe('segmented');
    expect(lab.nodes.map((n) => n.segment)).toEqual(['dmz', 'app', 'data']);
    const cidrs = Object.values(lab.segments!).map((s) => s.cidr);
    expect(new Set(cidrs).size).toBe(4);
    for (const c of [...cidrs, lab.subnet]) expect(c).toMatch(/^10\.99\.\d+\.0\/24$/);
    for (const n of lab.nodes) {
      expect(n.address.startsWith(lab.segments![n.segment as 'dmz'].cidr.replace(/0\/24$/, ''))).toBe(true);
      // The host (hospital side) reaches every node through the router with real ssh.
      expect((await execa('ssh', [...sshArgs(n), 'hostname'])).stdout.trim()).toBe(n.name);
    }
  });

  it('site init --from-lab: the "lab" plan passes network check and holds the nodes\' real addresses', async () => {
    expect(plan.preset).toBe('lab');
    expect(plan.hospitalNetworks.map((h) => h.cidr)).toEqual([lab.subnet]);
    const check = await cli(['network', 'check', '--site', site, '--json'], { reject: false });
    expect(check.exitCode, String(check.stdout)).toBe(0);
    expect(JSON.parse(String(check.stdout))).toEqual({ ok: true, problems: [] });
    for (const n of lab.nodes) {
      // The node's own view of its address, not the lab's records.
      const inside = (await nodeExec(n, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
      const real = /inet (\d+\.\d+\.\d+\.\d+)\/24/.exec(inside)![1];
      expect(plan.hosts[n.name]).toEqual({ [n.segment]: real });
      expect(plan.segments[n.segment as 'dmz'].gateway).toBe(lab.segments![n.segment as 'dmz'].gateway);
    }
  });

  it('with the rendered router rules loaded: app->data 5432 passes, dmz->data is dropped; flushed, it passes again', async () => {
    const out = join(work, 'rendered');
    await cli(['network', 'render', '--site', site, '--out', out]);
    await cli(['lab', 'router', 'load-rules', join(out, 'router', 'nftables.nft'), '--name', NAME]);
    const report: VerifyReport = await verifyPlan(plan, targets(), { sudo: false, listenerLifetimeSec: 120 });
    const find = (r: VerifyReport, from: string, to: string, port: number) => r.results.find((x) => x.from === node(from).name && x.to === node(to).name && x.protocol === 'tcp' && x.port === port);
    expect(find(report, 'app', 'data', 5432)).toMatchObject({ expected: 'open', observed: 'open' });
    expect(find(report, 'dmz', 'app', 443)).toMatchObject({ expected: 'open', observed: 'open' });
    expect(find(report, 'dmz', 'data', 5432)).toMatchObject({ expected: 'closed', observed: 'closed' });
    const bad = report.results.filter((r) => !r.ok).map((r) => `${r.from}->${r.to} ${r.protocol}/${r.port} expected ${r.expected} observed ${r.observed}`);
    expect(bad, bad.join('\n')).toEqual([]);

    // The router is what blocks: without its rules the same denied flow connects.
    await cli(['lab', 'router', 'flush', '--name', NAME]);
    const open = await verifyPlan(plan, targets(), { sudo: false, listenerLifetimeSec: 60 });
    expect(find(open, 'dmz', 'data', 5432)).toMatchObject({ expected: 'closed', observed: 'open', ok: false });
  });

  it('lab down removes the router and every segment', async () => {
    await labDown({ name: NAME });
    const netns = String((await execa('ip', ['netns', 'list'])).stdout);
    expect(netns).not.toMatch(new RegExp(`^${NAME}-`, 'm'));
    expect(String((await execa('ip', ['-4', 'route', 'show'])).stdout)).not.toContain(`labbr-${NAME}`);
  });
});
