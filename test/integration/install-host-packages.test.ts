import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, verifyBundle } from '../../electron/engine/bundle/index.js';
import { openVerifiedBundle } from '../../electron/engine/bundle/verified.js';
import { dockerInstallSteps, dockerVersion, hostOsKey, hostPackageSteps, missingPackages } from '../../electron/engine/install/host-packages.js';
import type { HostVars, Step, StepContext } from '../../electron/engine/install/types.js';
import { labDown, labStatus, labUp, type LabNode } from '../../electron/engine/lab/index.js';
import { SiteConfig, SiteHost, type Site } from '../../electron/engine/site/index.js';
import { hostSecretKeys } from '../../electron/engine/site/paths.js';
import { openTarget, type SshTarget } from '../../electron/engine/targets/index.js';
import { failure } from '../support/failure.js';
import { testLabName } from '../support/lab-name.js';
import { testStepContext } from '../support/step-context.js';
import { nodeExec } from './support/lab.js';

/*
 * The demo bundle's host package sets on a bare node of an own lab ("hp", one bare node): Docker
 * Engine + Compose v2 and fail2ban + nftables installed offline from a real (verified) bundle
 * through the engine's steps, as an install does. Needs the sets built by `npm run bundle:demo`
 * (bundles/out/debs); with LAB_REQUIRED=1 their absence fails the run.
 */

const NAME = testLabName('hp');
const DEBS = resolve('bundles/out/debs');
const SETS = ['docker-debian-12.tar', 'hardening-debian-12.tar'];
const haveDebs = SETS.every((f) => existsSync(join(DEBS, f)));
const canRun = process.platform === 'linux' && process.getuid?.() === 0 && haveDebs;
if (!canRun && process.env.LAB_REQUIRED === '1') throw new Error(`LAB_REQUIRED=1 but the host package tests need root on Linux and ${DEBS}/{${SETS.join(',')}} (npm run bundle:demo)`);

const DOCKER = { minVersion: '20.10', packages: [{ os: 'debian-12', install: ['docker.io', 'docker-compose'], debs: ['debs/docker-debian-12.tar'] }] };
const HARDENING = { os: 'debian-12', install: ['fail2ban', 'nftables', 'python3-systemd'], debs: ['debs/hardening-debian-12.tar'] };
/** What the lab needs (docs/lab.md "Docker inside nodes"; findings of 2026-12-02): overlay2 on the ext4 /data, own ranges. */
const DAEMON_JSON = JSON.stringify({ 'data-root': '/data/docker', 'storage-driver': 'overlay2', bip: '172.31.1.1/24', 'default-address-pools': [{ base: '172.16.0.0/16', size: 24 }] });

async function runStep(step: Step, ctx: StepContext): Promise<'ok' | 'changed'> {
  if ((await step.probe(ctx)).done) return 'ok';
  await step.apply(ctx);
  await step.verify(ctx);
  return 'changed';
}

(canRun ? describe : describe.skip)(`host packages from the bundle on a bare node (own lab ${NAME})`, () => {
  let node: LabNode;
  let work: string;
  let target: SshTarget;
  let ctx: ReturnType<typeof testStepContext>;
  const sh = (argv: string[]) => nodeExec(node, argv, { reject: false });

  beforeAll(async () => {
    await labDown({ name: NAME });
    await labUp({ name: NAME, nodes: 1, dataSize: '2G' });
    node = (await labStatus({ name: NAME })).nodes[0]!;
    work = await mkdtemp(join(tmpdir(), 'install-host-packages-'));
    // A real bundle holding the two sets, verified and opened the way an install opens it.
    const spec = join(work, 'hp.bundle.yaml');
    await writeFile(
      spec,
      `schemaVersion: 1\nname: hp\nversion: 1.0.0\ntopologies: [single]\ncomponents:\n  - name: host\n    artifacts:\n${SETS.map((f) => `      - { kind: asset, ref: debs/${f}, source: { file: ${join(DEBS, f)} } }\n`).join('')}`,
    );
    const built = await buildBundle(spec, { out: join(work, 'bundle') });
    const cacheDir = join(work, 'verify-cache');
    expect((await verifyBundle(built.out, { cacheDir, allowUnsigned: true, trustDirs: [] })).ok).toBe(true);
    const bundle = await openVerifiedBundle(built.out, { cacheDir, allowUnsigned: true, trustDirs: [] });

    const host = SiteHost.parse({ name: node.name, address: node.address, port: node.sshPort, user: 'engineer', role: 'server', auth: 'key', keyPath: node.keyPath, hostKey: node.hostKeyFingerprint });
    const config = SiteConfig.parse({ schemaVersion: 1, name: 'Host packages test', topology: 'single', hosts: [host] });
    const site: Site = { dir: work, config };
    target = await openTarget(host, { [hostSecretKeys(node.name).password]: node.sudoPassword! }, { siteDir: work });
    const vars: HostVars = {
      stack: 'demo',
      stackDir: '/opt/demo',
      dataDir: '/data',
      stagingDir: '/data/airgap-appliance/staging',
      dockerDataRoot: '/data/docker',
      backupDir: '/data/backups/demo',
      appFqdn: 'demo.hospital.local',
      appNames: ['demo.hospital.local'],
      address: node.address,
    };
    ctx = { ...testStepContext({ target, site, vars }), bundle };
  }, 600_000);

  afterAll(async () => {
    await target?.close();
    if (process.env.KEEP_LAB !== '1') await labDown({ name: NAME });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the node is debian-12 without Docker; a set for another OS is refused naming both, before any change', async () => {
    expect(await hostOsKey(ctx)).toBe('debian-12');
    expect(await missingPackages(ctx, ['docker.io', 'bash'])).toEqual(['docker.io']);
    const [step] = dockerInstallSteps({ ...DOCKER, packages: [{ ...DOCKER.packages[0]!, os: 'ubuntu-22.04' }] }, { id: 'docker.install', title: 'Docker', phase: 'install', host: node.name });
    const e = await failure(() => step!.probe(ctx));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/node1 runs debian-12, but the bundle's Docker packages are for ubuntu-22\.04/);
    expect((await sh(['test', '-e', '/data/airgap-appliance'])).exitCode).toBe(1);
  });

  it('docker.install: from the bundle onto a bare node; the daemon runs on /data with overlay2, Compose v2 answers; a re-run changes nothing', async () => {
    const [step] = dockerInstallSteps(DOCKER, { id: 'docker.install', title: 'Docker Engine and Compose v2', phase: 'install', host: node.name });
    expect(await step!.probe(ctx)).toEqual({ done: false, reason: 'Docker is not installed: install it from the bundle' });
    // daemon.json first: the package starts dockerd at once with what it finds.
    await ctx.exec(['mkdir', '-p', '/etc/docker'], { sudo: true });
    await ctx.writeFile('/etc/docker/daemon.json', DAEMON_JSON + '\n', { mode: '0644' });
    const t = Date.now();
    expect(await runStep(step!, ctx)).toBe('changed');
    const seconds = (Date.now() - t) / 1000;
    const v = await dockerVersion(ctx);
    expect(v.server).toMatch(/^20\.10\./);
    expect(v.compose).toMatch(/^2\.26\./);
    const info = await sh(['docker', 'info', '--format', '{{.Driver}} {{.DockerRootDir}}']);
    expect(info.stdout.trim()).toBe('overlay2 /data/docker');
    expect((await sh(['systemctl', 'is-enabled', 'docker.service'])).stdout.trim()).toBe('enabled');
    // Nothing but the staged tar stays behind (the gathered .debs are removed).
    expect((await sh(['ls', '/data/airgap-appliance/staging'])).stdout.trim().split('\n')).toEqual([ctx.bundle.artifact('debs/docker-debian-12.tar').sha256]);
    expect(ctx.lines.some((l) => /installing \d+ of 16 packages/.test(l.line))).toBe(true);
    const timings = ctx.lines.filter((l) => / in [\d.]+ s$/.test(l.line)).map((l) => l.line);
    process.stderr.write(`[host-packages] docker.install on a bare node: ${seconds.toFixed(1)} s (${timings.join('; ')})\n`);
    expect(await step!.probe(ctx)).toEqual({ done: true, reason: expect.stringMatching(/^Docker 20\.10\.\S+ with Compose 2\.26\.\S+ \(at least 20\.10\)$/) });
    expect(await runStep(step!, ctx)).toBe('ok');
  });

  it('hardening packages: only the missing ones are installed; apply again installs nothing', async () => {
    const [step] = hostPackageSteps(HARDENING, { id: 'packages.hardening', title: 'fail2ban and nftables', phase: 'install', host: node.name });
    expect(await step!.probe(ctx)).toEqual({ done: false, reason: '3 of 3 packages missing: fail2ban, nftables, python3-systemd' });

    expect(await runStep(step!, ctx)).toBe('changed');
    expect(await missingPackages(ctx, HARDENING.install)).toEqual([]);
    // libmnl0 and libxtables12 came with Docker (or the base): not installed again.
    const installing = ctx.lines.filter((l) => /^installing \d+ of 31 packages/.test(l.line)).at(-1)!.line;
    expect(installing).not.toMatch(/ libmnl0( |$)/);
    expect(await step!.probe(ctx)).toEqual({ done: true, reason: 'fail2ban, nftables, python3-systemd installed' });
    ctx.lines.length = 0;
    await step!.apply(ctx);
    expect(ctx.lines.map((l) => l.line)).toContain('all 31 packages of packages.hardening-debian-12 are installed already');
  });
});
