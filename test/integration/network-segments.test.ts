import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseRules } from '../../electron/engine/network/presets.js';
import { renderHostNft, renderRouterNft } from '../../electron/engine/network/render-firewall.js';
import { renderDnsmasq } from '../../electron/engine/network/render-host-config.js';
import type { NetworkPlan } from '../../electron/engine/network/schema.js';
import { validatePlan } from '../../electron/engine/network/validate.js';
import { buildProbeCases, verifyPlan, type VerifyReport } from '../../electron/engine/network/verify.js';
import type { Target } from '../../electron/engine/targets/index.js';
import { NetnsTarget } from './support/netns-target.js';

/*
 * The segments built for real: a router namespace with one bridge per segment (DMZ, App, Data,
 * Mgmt), one namespace per host plugged into its segment's bridge, the RENDERED nftables
 * rulesets loaded (router forward chain + each host's input chain), temporary listeners on the
 * far side and real TCP/UDP packets. The engine's verify runs over NetnsTarget, a real
 * executor (`ip netns exec`) implementing the Target interface in place of SSH.
 * Everything lives in namespaces created here; the root namespace is not touched.
 */

const tag = `apn${process.pid % 100000}`;
const ROUTER = `${tag}-r`;
const HOSTS = { dmz1: 'dmz', app1: 'app', app2: 'app', data1: 'data', mgmt1: 'mgmt' } as const;
const ns = (host: string) => `${tag}-${host}`;

// Small private ranges made for this test only (never routed anywhere: the router is a namespace).
const plan: NetworkPlan = {
  hospitalNetworks: [{ name: 'test hospital', cidr: '10.232.0.0/16' }],
  segments: {
    dmz: { cidr: '10.231.1.0/24', gateway: '10.231.1.1', purpose: 'dmz' },
    app: { cidr: '10.231.10.0/24', gateway: '10.231.10.1', purpose: 'app' },
    data: { cidr: '10.231.20.0/24', gateway: '10.231.20.1', purpose: 'data' },
    mgmt: { cidr: '10.231.100.0/24', gateway: '10.231.100.1', purpose: 'mgmt' },
  },
  vip: '10.231.1.10',
  hosts: {
    dmz1: { dmz: '10.231.1.11' },
    app1: { app: '10.231.10.10' },
    app2: { app: '10.231.10.11' },
    data1: { data: '10.231.20.10' },
    mgmt1: { mgmt: '10.231.100.10' },
  },
  domain: 'hospital-erp.local',
  dnsRecords: [
    { name: '@', target: 'vip' },
    { name: 'api', target: 'vip' },
    { name: 'db-primary', target: '10.231.20.10' },
  ],
  // mgmt1 serves the internal zone with the rendered dnsmasq.conf.
  nameservers: ['10.231.100.10'],
  firewall: baseRules('k3s-3'),
  loadBalancers: undefined,
};
const site = { topology: 'k3s-3' as const, hosts: Object.keys(HOSTS).map((name) => ({ name })) };

const run = (args: string[]) => execa('ip', args);
const inNs = (netns: string, argv: string[]) => execa('ip', ['netns', 'exec', netns, ...argv]);
const isRoot = process.getuid?.() === 0;
let work = '';
let report: VerifyReport;
const targets = new Map<string, Target>(Object.keys(HOSTS).map((h) => [h, new NetnsTarget(h, ns(h))]));

async function cleanup() {
  for (const n of [ROUTER, ...Object.keys(HOSTS).map(ns)]) {
    // Kill whatever still runs in the namespace (a listener if a test died), then delete it:
    // deleting the namespace removes its veths and bridges with it.
    const pids = await execa('ip', ['netns', 'pids', n], { reject: false });
    for (const pid of String(pids.stdout).split('\n').filter(Boolean)) await execa('kill', [pid], { reject: false });
    await execa('ip', ['netns', 'del', n], { reject: false });
  }
  if (work) await rm(work, { recursive: true, force: true });
}

describe.skipIf(!isRoot)('network segments with real packets', () => {
  beforeAll(async () => {
    await cleanup();
    work = await mkdtemp(join(tmpdir(), 'appliance-netseg-'));
    expect(validatePlan(plan, site).filter((p) => p.severity === 'error')).toEqual([]);
    await run(['netns', 'add', ROUTER]);
    await inNs(ROUTER, ['ip', 'link', 'set', 'lo', 'up']);
    await inNs(ROUTER, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    // The bridges stand in for the segments' switches: frames within a segment must not pass
    // the router's forward chain (br_netfilter, loaded for Docker, would send them there).
    for (const k of ['iptables', 'ip6tables', 'arptables']) await execa('ip', ['netns', 'exec', ROUTER, 'sysctl', '-qw', `net.bridge.bridge-nf-call-${k}=0`], { reject: false });
    for (const s of ['dmz', 'app', 'data', 'mgmt'] as const) {
      await run(['-n', ROUTER, 'link', 'add', `br-${s}`, 'type', 'bridge']);
      await run(['-n', ROUTER, 'addr', 'add', `${plan.segments[s].gateway}/24`, 'dev', `br-${s}`]);
      await run(['-n', ROUTER, 'link', 'set', `br-${s}`, 'up']);
    }
    for (const [host, s] of Object.entries(HOSTS)) {
      const n = ns(host);
      await run(['netns', 'add', n]);
      await run(['-n', ROUTER, 'link', 'add', `v-${host}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n]);
      await run(['-n', ROUTER, 'link', 'set', `v-${host}`, 'master', `br-${s}`, 'up']);
      await run(['-n', n, 'link', 'set', 'lo', 'up']);
      await run(['-n', n, 'addr', 'add', `${plan.hosts[host]![s]}/24`, 'dev', 'eth0']);
      await run(['-n', n, 'link', 'set', 'eth0', 'up']);
      await run(['-n', n, 'route', 'add', 'default', 'via', plan.segments[s].gateway]);
    }
    // The rendered rulesets, loaded as they would be on the real router and hosts.
    await writeFile(join(work, 'router.nft'), renderRouterNft(plan));
    await inNs(ROUTER, ['nft', '-f', join(work, 'router.nft')]);
    for (const host of Object.keys(HOSTS)) {
      await writeFile(join(work, `${host}.nft`), renderHostNft(plan, host));
      await inNs(ns(host), ['nft', '-f', join(work, `${host}.nft`)]);
    }
    report = await verifyPlan(plan, targets, { sudo: false, listenerLifetimeSec: 120 });
    // The rendered dnsmasq.conf, served from mgmt1 (killed with the namespace in cleanup).
    await writeFile(join(work, 'dnsmasq.conf'), renderDnsmasq(plan));
    execa('ip', ['netns', 'exec', ns('mgmt1'), 'dnsmasq', '--keep-in-foreground', '--conf-file=' + join(work, 'dnsmasq.conf'), '--user=root', '--pid-file', '--bind-interfaces', '--listen-address=10.231.100.10'], { reject: false });
    for (let i = 0; i < 50; i++) {
      const up = await execa('ip', ['netns', 'exec', ns('mgmt1'), 'sh', '-c', 'cat /proc/net/udp'], { reject: false });
      if (/:0035 /.test(String(up.stdout))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(cleanup);

  it('every allowed flow connects and every sampled denied flow does not', () => {
    const bad = report.results.filter((r) => !r.ok).map((r) => `${r.from}->${r.to} ${r.protocol}/${r.port} expected ${r.expected} observed ${r.observed} (${r.evidence})`);
    expect(bad, bad.join("\n")).toEqual([]);
    expect(report.unknown).toBe(0);
    expect(report.passed).toBe(buildProbeCases(plan, { hosts: Object.keys(HOSTS) }).length);
  });

  it('proves the flows the plan is about', () => {
    const find = (from: string, to: string, protocol: string, port: number) => report.results.find((r) => r.from === from && r.to === to && r.protocol === protocol && r.port === port);
    expect(find('dmz1', 'app1', 'tcp', 443)).toMatchObject({ expected: 'open', observed: 'open' });
    expect(find('app1', 'data1', 'tcp', 5432)).toMatchObject({ expected: 'open', observed: 'open' });
    expect(find('mgmt1', 'data1', 'tcp', 22)).toMatchObject({ expected: 'open', observed: 'open' });
    expect(find('app2', 'app1', 'tcp', 2380)).toMatchObject({ expected: 'open', observed: 'open' });
    expect(find('app2', 'app1', 'udp', 8472)).toMatchObject({ expected: 'open', observed: 'open', evidence: 'received' });
    expect(find('dmz1', 'data1', 'tcp', 5432)).toMatchObject({ expected: 'closed', observed: 'closed', evidence: 'timeout' });
    expect(find('dmz1', 'app1', 'tcp', 22)).toMatchObject({ expected: 'closed', observed: 'closed' });
    expect(find('data1', 'app1', 'tcp', 443)).toMatchObject({ expected: 'closed', observed: 'closed' });
  });

  it('internal DNS answers every segment through the router and forwards nothing', async () => {
    const ask = (host: string, name: string) => execa('ip', ['netns', 'exec', ns(host), 'busybox', 'nslookup', name, '10.231.100.10'], { reject: false, timeout: 15_000 });
    const api = await ask('app1', 'api.hospital-erp.local');
    expect(String(api.stdout)).toMatch(/Address:\s*10\.231\.1\.10/);
    const db = await ask('dmz1', 'db-primary.hospital-erp.local');
    expect(String(db.stdout)).toMatch(/Address:\s*10\.231\.20\.10/);
    const host = await ask('data1', 'app2.hospital-erp.local');
    expect(String(host.stdout)).toMatch(/Address:\s*10\.231\.10\.11/);
    // An outside name is not resolved (no upstream): no address comes back.
    const outside = await ask('app1', 'www.example.org');
    expect(String(outside.stdout)).not.toMatch(/Address:\s*\d+\.\d+\.\d+\.\d+\s*$/m);
  });

  it('the firewall is what blocks: without the rulesets the denied flow connects', async () => {
    await inNs(ROUTER, ['nft', 'delete', 'table', 'inet', 'appliance_router']);
    await inNs(ns('data1'), ['nft', 'delete', 'table', 'inet', 'appliance_host']);
    const open = await verifyPlan(
      { ...plan, hosts: { dmz1: plan.hosts.dmz1!, data1: plan.hosts.data1! } },
      new Map([['dmz1', targets.get('dmz1')!], ['data1', targets.get('data1')!]]),
      { sudo: false, listenerLifetimeSec: 60 },
    );
    const r = open.results.find((x) => x.from === 'dmz1' && x.to === 'data1' && x.port === 5432);
    expect(r).toMatchObject({ expected: 'closed', observed: 'open', ok: false });
  });

  it('leaves no probe listener behind', async () => {
    for (const host of Object.keys(HOSTS)) {
      const pids = String((await execa('ip', ['netns', 'pids', ns(host)], { reject: false })).stdout).split('\n').filter(Boolean);
      const comms = await Promise.all(pids.map((p) => readFile(`/proc/${p}/comm`, 'utf8').then((c) => c.trim(), () => '')));
      expect(comms.filter((c) => c === 'perl')).toEqual([]);
    }
  });
});
