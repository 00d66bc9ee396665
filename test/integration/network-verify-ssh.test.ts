import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatCidr, parseCidr } from '../../electron/engine/network/ipv4.js';
import { k3sRules } from '../../electron/engine/network/presets.js';
import { renderHostNft } from '../../electron/engine/network/render-firewall.js';
import type { NetworkPlan } from '../../electron/engine/network/schema.js';
import { validatePlan } from '../../electron/engine/network/validate.js';
import { type VerifyReport, verifyPlan } from '../../electron/engine/network/verify.js';
import { SshTarget, type Target } from '../../electron/engine/targets/index.js';
import { describeWithLab, nodeExec, testLab, type LabNode } from './support/lab.js';

/*
 * `network verify` end to end over SSH on the shared lab: the three nodes are the App segment
 * (they share the lab bridge), each gets the RENDERED host input ruleset loaded into its
 * network namespace, and verifyPlan runs the probe and the temporary listeners over real
 * SshTargets. The rulesets are removed again in afterAll (the lab is shared).
 */
describeWithLab('network verify over SSH on the lab', () => {
  let nodes: LabNode[] = [];
  let work = '';
  let report: VerifyReport;
  const targets = new Map<string, Target>();

  const planFor = (lab: LabNode[]): NetworkPlan => {
    const app = formatCidr(parseCidr(`${lab[0]!.address}/24`)!);
    const gw = app.replace(/\.0\/24$/, '.1');
    return {
      hospitalNetworks: [],
      // Only App is real here; the other segments are ranges nothing uses.
      segments: {
        dmz: { cidr: '10.233.1.0/24', gateway: '10.233.1.1', purpose: '' },
        app: { cidr: app, gateway: gw, purpose: 'lab bridge' },
        data: { cidr: '10.233.20.0/24', gateway: '10.233.20.1', purpose: '' },
        mgmt: { cidr: '10.233.100.0/24', gateway: '10.233.100.1', purpose: '' },
      },
      vip: '10.233.1.10',
      hosts: Object.fromEntries(lab.map((n) => [n.name, { app: n.address }])),
      domain: 'hospital-erp.local',
      dnsRecords: [],
      nameservers: [],
      // The test runner reaches the nodes from the lab bridge (inside App): keep SSH open there.
      firewall: [...k3sRules(), { from: 'app', to: 'app', protocol: 'tcp', ports: [22], purpose: 'SSH from the lab bridge' }],
      loadBalancers: undefined,
    };
  };

  beforeAll(async () => {
    const lab = await testLab();
    nodes = lab.nodes;
    const plan = planFor(nodes);
    const site = { topology: 'k3s-3' as const, hosts: nodes.map((n) => ({ name: n.name })) };
    expect(validatePlan(plan, site).filter((p) => p.severity === 'error')).toEqual([]);
    work = await mkdtemp(join(tmpdir(), 'appliance-netverify-'));
    for (const n of nodes) {
      const file = join(work, `${n.name}.nft`);
      await writeFile(file, renderHostNft(plan, n.name));
      // The nodes have no nft binary: load the ruleset into the node's namespace from here.
      await execa('ip', ['netns', 'exec', n.netns, 'nft', '-f', file]);
      targets.set(n.name, await SshTarget.connect({ name: n.name, address: n.address, port: n.sshPort, user: 'root', auth: 'key', keyPath: n.keyPath, hostKey: n.hostKeyFingerprint, connectTimeoutMs: 8_000 }));
    }
    report = await verifyPlan(plan, targets, { listenerLifetimeSec: 120 });
  });

  afterAll(async () => {
    for (const t of targets.values()) await t.close().catch(() => undefined);
    for (const n of nodes) await execa('ip', ['netns', 'exec', n.netns, 'nft', 'delete', 'table', 'inet', 'appliance_host'], { reject: false });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('allowed K3s flows connect, sampled denied ones do not, UDP 8472 arrives', () => {
    const bad = report.results.filter((r) => !r.ok).map((r) => `${r.from}->${r.to} ${r.protocol}/${r.port} expected ${r.expected} observed ${r.observed} (${r.evidence})`);
    expect(bad, bad.join('\n')).toEqual([]);
    const [a, b] = [nodes[0]!.name, nodes[1]!.name];
    const find = (port: number, protocol = 'tcp') => report.results.find((r) => r.from === a && r.to === b && r.port === port && r.protocol === protocol);
    expect(find(2380)).toMatchObject({ expected: 'open', observed: 'open' });
    expect(find(8472, 'udp')).toMatchObject({ expected: 'open', observed: 'open', evidence: 'received' });
    expect(find(80)).toMatchObject({ expected: 'closed', observed: 'closed', evidence: 'timeout' });
    // sshd already listens on 22: reported as a port in use, probed as it is.
    expect(report.notes.join(' ')).toContain('tcp:22');
  });

  it('stops its listeners on every node', async () => {
    for (const n of nodes) {
      const r = await nodeExec(n, ['sh', '-c', 'ps -eo args | grep -c "[I]O::Socket::INET" || true'], { reject: false });
      expect(r.stdout.trim()).toBe('0');
    }
  });
});
