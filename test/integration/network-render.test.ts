import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFromPreset } from '../../electron/engine/network/presets.js';
import { type RenderedFile, renderPlan, writeRendered } from '../../electron/engine/network/render-all.js';
import { validatePlan } from '../../electron/engine/network/validate.js';
import { k3sSite as site } from '../fixtures/network-site.js';

/*
 * Every rendered file is checked by the tool that will read it on the host: nft -c (needs
 * CAP_NET_ADMIN: root), haproxy -c, keepalived -t, dnsmasq --test, netplan generate.
 * Each check is also shown to fail on a broken file, so a passing check means something.
 */

let work = '';
const files: RenderedFile[] = [];

const tool = (cmd: string, args: string[]) => execa(cmd, args, { reject: false, all: true });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'appliance-netrender-'));
  for (const preset of ['onprem-guide', 'infra-overview'] as const) {
    const plan = planFromPreset(preset, site);
    plan.nameservers = [plan.hosts.admin!.mgmt!];
    plan.segments.app.vlan = preset === 'onprem-guide' ? 110 : 20;
    const rendered = renderPlan(plan, validatePlan(plan, site));
    await writeRendered(join(work, preset), rendered);
    files.push(...rendered.map((f) => ({ ...f, path: join(preset, f.path) })));
  }
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const of = (suffix: string) => files.filter((f) => f.path.endsWith(suffix));

describe('rendered network files pass their own tools', () => {
  it('nftables rulesets: nft -c -f', async () => {
    const nft = of('.nft');
    expect(nft.length).toBe(2 * (1 + site.hosts.length));
    for (const f of nft) {
      const r = await tool('nft', ['-c', '-f', join(work, f.path)]);
      expect(r.exitCode, `${f.path}: ${r.all}`).toBe(0);
    }
    const broken = join(work, 'broken.nft');
    await writeFile(broken, of('router/nftables.nft')[0]!.content.replace('policy drop;', 'policy dropp;'));
    expect((await tool('nft', ['-c', '-f', broken])).exitCode).not.toBe(0);
  });

  it('haproxy.cfg: haproxy -c', async () => {
    const cfgs = of('haproxy.cfg');
    expect(cfgs.length).toBe(4);
    for (const f of cfgs) {
      const r = await tool('haproxy', ['-c', '-f', join(work, f.path)]);
      expect(r.exitCode, `${f.path}: ${r.all}`).toBe(0);
    }
    const broken = join(work, 'broken-haproxy.cfg');
    await writeFile(broken, cfgs[0]!.content.replace('balance roundrobin', 'balance nosuchalgo'));
    expect((await tool('haproxy', ['-c', '-f', broken])).exitCode).not.toBe(0);
  });

  it('keepalived.conf: keepalived -t', async () => {
    const cfgs = of('keepalived.conf');
    expect(cfgs.length).toBe(4);
    for (const f of cfgs) {
      const r = await tool('keepalived', ['-t', '-f', join(work, f.path)]);
      expect(r.exitCode, `${f.path}: ${r.all}`).toBe(0);
    }
    const broken = join(work, 'broken-keepalived.conf');
    await writeFile(broken, cfgs[0]!.content.replace('virtual_router_id 51', 'virtual_router_id 900'));
    expect((await tool('keepalived', ['-t', '-f', broken])).exitCode).not.toBe(0);
  });

  it('dnsmasq.conf: dnsmasq --test', async () => {
    const cfgs = of('dnsmasq.conf');
    expect(cfgs.length).toBe(4);
    for (const f of cfgs) {
      const r = await tool('dnsmasq', ['--test', '-C', join(work, f.path)]);
      expect(r.exitCode, `${f.path}: ${r.all}`).toBe(0);
    }
    const broken = join(work, 'broken-dnsmasq.conf');
    await writeFile(broken, `${cfgs[0]!.content}\nlocal-ttl=notanumber\n`);
    expect((await tool('dnsmasq', ['--test', '-C', broken])).exitCode).not.toBe(0);
  });

  it('netplan.yaml: netplan generate', async () => {
    const yamls = of('netplan.yaml');
    expect(yamls.length).toBe(2 * site.hosts.length);
    const check = async (content: string) => {
      const root = await mkdtemp(join(work, 'netplan-'));
      await mkdir(join(root, 'etc/netplan'), { recursive: true });
      const file = join(root, 'etc/netplan/60-appliance.yaml');
      await writeFile(file, content);
      await chmod(file, 0o600);
      return tool('netplan', ['generate', '--root-dir', root]);
    };
    for (const f of yamls) {
      const r = await check(f.content);
      expect(r.exitCode, `${f.path}: ${r.all}`).toBe(0);
    }
    expect((await check(yamls[0]!.content.replace(/\/24/, ''))).exitCode).not.toBe(0);
  });

  it('ufw scripts are valid sh', async () => {
    for (const f of of('ufw.sh')) {
      const r = await tool('sh', ['-n', join(work, f.path)]);
      expect(r.exitCode, `${f.path}: ${r.all}`).toBe(0);
    }
  });
});
