import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOSTS_BEGIN,
  NFT_FILE,
  REVERT_UNIT,
  SSHD_DROPIN,
  firewallSteps,
  rulesetId,
  hardeningSteps,
  hostsFileStep,
  siteHostLogin,
  sshdHardeningStep,
  type FreshLogin,
} from '../../electron/engine/install/harden/index.js';
import type { HostVars, Step, StepContext } from '../../electron/engine/install/types.js';
import { labDown, labStatus, labUp, type LabNode, type LabStatus } from '../../electron/engine/lab/index.js';
import { planFromLab } from '../../electron/engine/network/lab-preset.js';
import { siteContext, type NetworkPlan } from '../../electron/engine/network/index.js';
import { SiteConfig, SiteHost, type Site } from '../../electron/engine/site/index.js';
import { hostSecretKeys } from '../../electron/engine/site/paths.js';
import { openTarget, sshFingerprint, type SshTarget } from '../../electron/engine/targets/index.js';
import { failure } from '../support/failure.js';
import { testLabName } from '../support/lab-name.js';
import { installDebsOnNode } from '../support/node-debs.js';
import { testStepContext, type TestStepContext } from '../support/step-context.js';
import { nodeExec, sshArgs } from './support/lab.js';

/*
 * The configure/harden steps that touch the host OS, on a real systemd node of an own lab ("hd",
 * one bare node in the App segment behind the lab router; the host is the hospital side and the
 * installer). fail2ban and nftables come onto the node offline as .debs, as a bundle brings them.
 * The site logs in as `engineer` with the lab key and sudo with its password.
 */

const NAME = testLabName('hd');
const canRun = process.platform === 'linux' && process.getuid?.() === 0;
if (!canRun && process.env.LAB_REQUIRED === '1') throw new Error('LAB_REQUIRED=1 but the harden tests need root on Linux (own lab)');

/** probe -> apply -> verify, as the runner does; answers what happened. */
async function runStep(step: Step, ctx: StepContext): Promise<'ok' | 'changed'> {
  if ((await step.probe(ctx)).done) return 'ok';
  await step.apply(ctx);
  await step.verify(ctx);
  return 'changed';
}

/** A password login with the ssh2 client: 'ok', or 'refused' when authentication fails. */
function passwordLogin(node: LabNode, user: string, password: string): Promise<'ok' | 'refused'> {
  const c = new ssh2.Client();
  return new Promise((resolve, reject) => {
    c.on('ready', () => {
      c.end();
      resolve('ok');
    });
    c.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)));
    c.on('error', (e: Error & { level?: string }) => (e.level === 'client-authentication' ? resolve('refused') : reject(e)));
    c.connect({
      host: node.address,
      port: node.sshPort,
      username: user,
      password,
      tryKeyboard: true,
      readyTimeout: 15_000,
      hostVerifier: (key: Buffer) => sshFingerprint(key) === node.hostKeyFingerprint,
    });
  });
}

(canRun ? describe : describe.skip)(`install harden steps on a real node (own lab ${NAME})`, () => {
  let lab: LabStatus;
  let node: LabNode;
  let work: string;
  let site: Site;
  let plan: NetworkPlan;
  let target: SshTarget;
  let ctx: TestStepContext;
  let login: FreshLogin;
  const secrets: Record<string, string> = {};
  const sh = (argv: string[]) => nodeExec(node, argv, { reject: false });
  const keyLoginWorks = async () => (await execa('ssh', [...sshArgs(node, 'engineer'), 'true'], { reject: false })).exitCode === 0;

  beforeAll(async () => {
    await labDown({ name: NAME });
    await labUp({ name: NAME, nodes: 1, nodeSegments: { node1: 'app' }, dataSize: '64M' });
    lab = await labStatus({ name: NAME });
    node = lab.nodes[0]!;
    await installDebsOnNode(node, ['fail2ban', 'python3-systemd', 'nftables']);
    work = await mkdtemp(join(tmpdir(), 'install-harden-'));
    const host = SiteHost.parse({ name: node.name, address: node.address, port: node.sshPort, user: 'engineer', role: 'server', segment: 'app', auth: 'key', keyPath: node.keyPath, hostKey: node.hostKeyFingerprint });
    const config = SiteConfig.parse({ schemaVersion: 1, name: 'Harden test', topology: 'single', hosts: [host] });
    plan = planFromLab(lab, siteContext({ dir: work, config }));
    site = { dir: work, config: { ...config, network: plan } };
    secrets[hostSecretKeys(node.name).password] = node.sudoPassword!;
    login = siteHostLogin(site, host, secrets);
    target = await openTarget(host, secrets, { siteDir: work });
    const vars: HostVars = {
      stack: 'demo',
      stackDir: '/opt/demo',
      dataDir: '/data',
      stagingDir: '/data/airgap-appliance/staging',
      dockerDataRoot: '/data/docker',
      backupDir: '/data/backups/demo',
      appFqdn: plan.domain,
      appNames: [plan.domain, `api.${plan.domain}`],
      address: node.address,
    };
    ctx = testStepContext({ target, site, vars, stack: { roles: { proxy: { httpPort: 80, httpsPort: 443 } } } as never });
  }, 600_000);

  afterAll(async () => {
    await target?.close();
    if (process.env.KEEP_LAB !== '1') await labDown({ name: NAME });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('hosts.file: the plan\'s names in a managed block, the app names on the node\'s own address, the rest of /etc/hosts untouched', async () => {
    const before = (await sh(['cat', '/etc/hosts'])).stdout;
    const step = hostsFileStep(node.name, plan);
    expect((await step.probe(ctx)).done).toBe(false);
    expect(await runStep(step, ctx)).toBe('changed');
    const after = (await sh(['cat', '/etc/hosts'])).stdout;
    expect(after.startsWith(before)).toBe(true);
    expect((await sh(['getent', 'ahostsv4', plan.domain])).stdout.split(/\s+/)[0]).toBe(node.address);
    expect((await sh(['getent', 'ahostsv4', `api.${plan.domain}`])).stdout.split(/\s+/)[0]).toBe(node.address);
    // A hand edit inside the block is replaced in place; the block stays one block.
    await sh(['sed', '-i', `/^${HOSTS_BEGIN}$/a 10.1.2.3 stale.example`, '/etc/hosts']);
    expect((await step.probe(ctx)).done).toBe(false);
    expect(await runStep(step, ctx)).toBe('changed');
    expect((await sh(['cat', '/etc/hosts'])).stdout).toBe(after);
    expect(await runStep(step, ctx)).toBe('ok');
  });

  it('refuses to harden sshd when the site logs in as root or with a password, touching nothing', async () => {
    const as = (over: Partial<SiteHost>) => ({ ...ctx, site: { ...site, config: { ...site.config, hosts: [{ ...site.config.hosts[0]!, ...over }] } } });
    const step = sshdHardeningStep(node.name, { login });
    const pw = await failure(() => step.apply(as({ auth: 'password' })));
    expect(pw.code).toBe('PERMISSION');
    expect(pw.message).toMatch(/password logins off.*Add the engineer's public key to ~engineer\/\.ssh\/authorized_keys/);
    const root = await failure(() => step.apply(as({ user: 'root' })));
    expect(root.message).toMatch(/PermitRootLogin no.*Create an admin user with sudo/);
    expect((await sh(['test', '-e', SSHD_DROPIN])).exitCode).toBe(1);
  });

  it('hardening: sysctl (read-only keys are warnings), fail2ban sshd jail, sshd without root or passwords; key login and sudo still work', async () => {
    await sh(['sh', '-c', 'echo "root:Root-Pass-4711" | chpasswd']);
    expect(await passwordLogin(node, 'engineer', node.sudoPassword!)).toBe('ok');
    const steps = hardeningSteps(node.name, { login, plan });
    expect(steps.map((s) => s.id)).toEqual(['harden.sysctl', 'harden.fail2ban', 'harden.sshd']);
    for (const s of steps) expect(await runStep(s, ctx), s.id).toBe('changed');

    // sysctl: the net keys are set (a node's /proc/sys/net is its own), kernel.* are read-only here.
    expect((await sh(['sysctl', '-n', 'net.ipv4.conf.all.send_redirects', 'net.ipv4.tcp_syncookies', 'net.ipv4.ip_forward'])).stdout.split('\n').slice(0, 3)).toEqual(['0', '1', '1']);
    expect(ctx.lines.some((l) => l.stream === 'warn' && /kernel\.kptr_restrict: readonly/.test(l.line))).toBe(true);

    const t = (await sh(['sshd', '-T'])).stdout;
    for (const line of ['permitrootlogin no', 'passwordauthentication no', 'kbdinteractiveauthentication no', 'maxauthtries 3', 'x11forwarding no']) expect(t).toContain(`${line}\n`);
    expect(await passwordLogin(node, 'root', 'Root-Pass-4711')).toBe('refused');
    expect(await passwordLogin(node, 'engineer', node.sudoPassword!)).toBe('refused');
    expect(await keyLoginWorks()).toBe(true);

    const f2b = await sh(['fail2ban-client', 'status', 'sshd']);
    expect(f2b.stdout).toContain('Status for the jail: sshd');
    expect((await sh(['fail2ban-client', 'get', 'sshd', 'ignoreip'])).stdout).toContain('10.99.');
  });

  it('firewall: the plan\'s input rules plus the installer\'s SSH session, checked, loaded, proven, persisted; other sources are dropped', async () => {
    const fromRouter = () => execa('ip', ['netns', 'exec', lab.routerNetns!, 'timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${node.address}/22`], { reject: false });
    expect((await fromRouter()).exitCode).toBe(0);
    const [step] = firewallSteps(node.name, plan, { login });
    expect((await step!.probe(ctx)).done).toBe(false);
    expect(await runStep(step!, ctx)).toBe('changed');
    const ruleset = (await sh(['nft', 'list', 'ruleset'])).stdout;
    expect(ruleset).toMatch(/policy drop/);
    expect(ruleset).toContain(`ip saddr ${lab.subnet.replace(/0\/24$/, '1')} tcp dport 22 accept`);
    expect(ruleset).toContain(`ip saddr ${plan.segments.mgmt.cidr} ip daddr ${node.address} tcp dport 22 accept`);
    expect((await sh(['fail2ban-client', 'status', 'sshd'])).exitCode).toBe(0);
    expect(await keyLoginWorks()).toBe(true);
    // The router's App leg is neither Mgmt nor the installer: its SYN is dropped.
    expect((await fromRouter()).exitCode).toBe(124);
    expect((await sh(['systemctl', 'is-enabled', 'nftables.service'])).stdout.trim()).toBe('enabled');
    expect((await sh(['grep', '-xF', `include "${NFT_FILE}"`, '/etc/nftables.conf'])).exitCode).toBe(0);
    expect((await sh(['nft', '-c', '-f', '/etc/nftables.conf'])).exitCode).toBe(0);
    expect((await sh(['systemctl', 'is-active', `${REVERT_UNIT}.timer`])).stdout.trim()).not.toBe('active');
  });

  it('firewall: a failed fresh-login proof restores the previous rules at once and cancels the timer', async () => {
    const live = async () => (await sh(['nft', 'list', 'table', 'inet', 'appliance_host'])).stdout;
    const [liveBefore, fileBefore] = [await live(), (await sh(['cat', NFT_FILE])).stdout];
    const changed: NetworkPlan = { ...plan, firewall: [...plan.firewall, { from: 'mgmt', to: 'app', protocol: 'tcp', ports: [9100], purpose: 'node exporter' }] };
    const refused: FreshLogin = () => Promise.reject(new Error('connection timed out (simulated proof failure)'));
    const [step] = firewallSteps(node.name, changed, { login: refused });
    const e = await failure(() => step!.apply(ctx));
    expect(e.message).toMatch(/new firewall on node1 was rolled back/);
    // nft lists what it loaded in its own normal form; the ruleset's id says which one it is.
    expect(rulesetId(await live())).toBe(rulesetId(liveBefore));
    expect((await sh(['cat', NFT_FILE])).stdout).toBe(fileBefore);
    expect((await sh(['systemctl', 'is-active', `${REVERT_UNIT}.timer`])).stdout.trim()).not.toBe('active');
    expect(await keyLoginWorks()).toBe(true);
    expect((await firewallSteps(node.name, plan, { login })[0]!.probe(ctx)).done).toBe(true);
  });

  it('firewall: when the installer goes silent after loading new rules, the armed timer restores the previous ones by itself', async () => {
    const liveId = async () => rulesetId((await sh(['nft', 'list', 'table', 'inet', 'appliance_host'])).stdout);
    const before = await liveId();
    const changed: NetworkPlan = { ...plan, firewall: [...plan.firewall, { from: 'mgmt', to: 'app', protocol: 'tcp', ports: [9101], purpose: 'exporter' }] };
    let during: string | null = null;
    let restoredByTimer = false;
    // The "installer" hangs in its proof; meanwhile only the node's own timer can undo the change.
    const silent: FreshLogin = async () => {
      during = await liveId();
      for (let i = 0; i < 60 && !restoredByTimer; i++) {
        await new Promise((r) => setTimeout(r, 500));
        restoredByTimer = (await liveId()) === before;
      }
      throw new Error('the installer went silent');
    };
    const [step] = firewallSteps(node.name, changed, { login: silent, revertAfterSec: 3 });
    await failure(() => step!.apply(ctx));
    expect(during).not.toBe(before);
    expect(restoredByTimer).toBe(true);
    expect(await liveId()).toBe(before);
    expect(await keyLoginWorks()).toBe(true);
  });

  it('sshd: a drop-in that sshd -t accepts but that locks the installer out (AllowUsers nobody) is rolled back; login still works', async () => {
    const hardened = (await sh(['cat', SSHD_DROPIN])).stdout;
    const step = sshdHardeningStep(node.name, { login, extra: ['AllowUsers nobody'] });
    const e = await failure(() => step.apply(ctx));
    expect(e.code).toBe('FAILED');
    expect(e.message).toMatch(/Hardening sshd on node1 was rolled back: After hardening sshd: a fresh SSH login to node1 failed/);
    expect((await sh(['cat', SSHD_DROPIN])).stdout).toBe(hardened);
    expect((await sh(['sshd', '-T'])).stdout).not.toMatch(/^allowusers/m);
    expect(await keyLoginWorks()).toBe(true);
  });

  it('a second run changes nothing: every probe says done', async () => {
    const all = [hostsFileStep(node.name, plan), ...firewallSteps(node.name, plan, { login }), ...hardeningSteps(node.name, { login, plan })];
    for (const s of all) {
      const p = await s.probe(ctx);
      expect(p.done, `${s.id}: ${p.reason}`).toBe(true);
    }
  });
});
