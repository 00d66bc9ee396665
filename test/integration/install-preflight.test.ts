import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertReportOk, buildBundle, generateSigningKey, openVerifiedBundle, verifyBundle, type VerifiedBundle } from '../../electron/engine/bundle/index.js';
import { StackDeclaration } from '../../electron/engine/bundle/stack.js';
import { formatPreflightFailure, PreflightReport, runPreflight, type PreflightInput } from '../../electron/engine/install/preflight/index.js';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import type { HostVars } from '../../electron/engine/install/types.js';
import { initSiteWithSecrets, SiteHost, updateSecrets, updateSite, type Site } from '../../electron/engine/site/index.js';
import { openSiteTargets, openTarget, type SshTarget } from '../../electron/engine/targets/index.js';
import { buildBusyboxImage } from '../support/busybox-image.js';
import { describeWithLab, nodeExec, testLab, type LabNode } from './support/lab.js';

/**
 * The install preflight against a bare lab node, logged in as `engineer` (sudo with the stored
 * password, like a fresh server): a good host passes; a data filesystem too small for the share
 * (asked too much, and really full) and a port held by a listener fail with the values named;
 * and no run changes anything on the node (listing of /etc, /opt, /data, /home, /root, /usr/local
 * before and after each run; every command the preflight ran, from the site's audit log, is a
 * read-only one). When the lab has a docker node (the shared lab's node1), also: ports published
 * by containers of our own Compose project pass (a re-run), another project's fail.
 */

const PASSPHRASE = 'install-preflight passphrase 2026';
const IMAGE = 'preflight/busybox:1';
const STACK = 'pfstack';
const PORT = 8443;

/** What could change on a node: every file's path, type, size, mode, owner and mtime. */
async function nodeListing(node: LabNode): Promise<string> {
  // Not listed: the marker sudo itself (Debian's --enable-admin-flag build) leaves in an admin's
  // home after their first sudo; it exists on any server whose admin ever used sudo (see beforeAll).
  const r = await nodeExec(node, ['find', '/etc', '/opt', '/data', '/home', '/root', '/usr/local', '-xdev', '!', '-name', '.sudo_as_admin_successful', '-printf', '%p %y %s %m %u:%g %T@\n']);
  return r.stdout.split('\n').sort().join('\n');
}

async function dataAvail(node: LabNode): Promise<number> {
  const out = (await nodeExec(node, ['df', '-B1', '--output=avail', '/data'])).stdout;
  return Number(out.trim().split('\n')[1]);
}

describeWithLab('install preflight on a bare lab node', () => {
  let node: LabNode;
  let tmp: string;
  let site: Site;
  let bundle: VerifiedBundle;
  let target: SshTarget;
  let share: number;
  const stack = StackDeclaration.parse({
    name: STACK,
    roles: {
      proxy: { image: IMAGE, tlsCert: '/etc/tls/cert.pem', tlsKey: '/etc/tls/key.pem', health: { port: 80, path: '/health' } },
      app: { image: IMAGE, port: 8080, health: { port: 8080, path: '/health' }, ready: { port: 8080, path: '/ready' } },
      database: { image: IMAGE, engine: 'postgres', database: 'erp', user: 'erp', dataPath: '/var/lib/postgresql/data' },
      cache: { image: IMAGE, engine: 'redis', dataPath: '/data' },
    },
    docker: { minVersion: '20.10', packages: [{ os: 'debian-12', install: ['docker.io'], debs: ['docker-debs'] }] },
  });
  const vars = (): Record<string, HostVars> => ({
    [node.name]: {
      stack: STACK,
      stackDir: `/opt/${STACK}`,
      dataDir: '/data',
      stagingDir: '/data/airgap-appliance/staging',
      dockerDataRoot: '/data/docker',
      backupDir: `/data/backups/${STACK}`,
      appFqdn: 'erp.preflight.local',
      appNames: ['erp.preflight.local'],
      address: node.address,
    },
  });
  const input = (over: Partial<PreflightInput> = {}): PreflightInput => ({
    site,
    bundle,
    stack,
    targets: [target],
    vars: vars(),
    bundleShare: { [node.name]: share },
    requiredPorts: { [node.name]: [80, 443] },
    profile: 'lab',
    ...over,
  });
  /** runPreflight, proving it changed nothing on the node (listing before and after). */
  const preflight = async (over: Partial<PreflightInput> = {}): Promise<PreflightReport> => {
    const before = await nodeListing(node);
    const report = PreflightReport.parse(await runPreflight(input(over)));
    expect(await nodeListing(node)).toBe(before);
    return report;
  };
  const check = (r: PreflightReport, id: string, host = node.name) => r.hosts.find((h) => h.host === host)!.checks.find((c) => c.id === id)!;

  beforeAll(async () => {
    const lab = await testLab();
    const bare = lab.nodes.find((n) => n.profile === 'bare');
    if (!bare?.sudoPassword) throw new Error(`Lab ${lab.name} has no bare node with an engineer sudo password.`);
    node = bare;
    tmp = mkdtempSync(join(tmpdir(), 'install-preflight-'));

    // A real signed bundle: one small image (every role uses it) and a stand-in for the Docker debs.
    await buildBusyboxImage(tmp, IMAGE, 'a');
    writeFileSync(join(tmp, 'debs.bin'), randomBytes(4096));
    const spec = join(tmp, 'preflight.bundle.yaml');
    writeFileSync(
      spec,
      `schemaVersion: 1\nname: preflight-test\nversion: 1.0.0\ntopologies: [single]\ncomponents:\n  - name: app\n    artifacts:\n` +
        `      - { kind: image, ref: "${IMAGE}", source: { archive: image-a.tar } }\n      - { kind: binary, ref: docker-debs, source: { file: debs.bin } }\n`,
    );
    const key = await generateSigningKey(join(tmp, 'keys'), 'preflight-signer');
    await buildBundle(spec, { out: join(tmp, 'bundle'), sign: key.privateKeyFile });
    const trust = { trust: [key.publicKeyFile], trustDirs: [], cacheDir: join(tmp, 'cache') };
    assertReportOk(await verifyBundle(join(tmp, 'bundle'), trust));
    bundle = await openVerifiedBundle(join(tmp, 'bundle'), trust);
    share = bundle.artifacts.reduce((n, a) => n + a.size, 0);

    // The site: the node as a fresh server's admin would log in (key, sudo with the stored password).
    const dir = join(tmp, 'site');
    await initSiteWithSecrets(dir, { name: 'Preflight Lab', topology: 'single' }, PASSPHRASE);
    await updateSecrets(dir, PASSPHRASE, { [`hosts.${node.name}.password`]: node.sudoPassword });
    site = await updateSite(dir, (c) => {
      c.hosts.push(SiteHost.parse({ name: node.name, address: node.address, port: node.sshPort, user: 'engineer', role: 'server', auth: 'key', keyPath: node.keyPath, hostKey: node.hostKeyFingerprint }));
    });
    target = (await openSiteTargets(site, PASSPHRASE))[0]!;
    // A server's admin has used sudo before: on Debian the first sudo of a member of group sudo
    // creates ~/.sudo_as_admin_successful (sudo's own marker), which is not the preflight's doing.
    await target.exec(['true'], { sudo: true });
  });

  afterAll(async () => {
    await target?.close();
    await nodeExec(node, ['rm', '-rf', '/data/.preflight-fill', '/data/airgap-appliance'], { reject: false });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a good host passes every check (bundle named with its signer, engineer sudo with the stored password)', async () => {
    const events: ApplianceEvent[] = [];
    const report = await preflight({ onEvent: (e) => events.push(e), task: 'pf' });
    const checks = report.hosts.find((h) => h.host === node.name)!.checks;
    expect(report.ok, formatPreflightFailure(report)).toBe(true);
    expect(checks.map((c) => c.id)).toEqual(['bundle', 'hardware', 'os', 'clock', 'sudo', 'docker', 'ports', 'disk']);
    // The lab profile may warn (virtual disk type); everything else passes outright.
    expect(checks.filter((c) => c.id !== 'hardware').map((c) => [c.id, c.status])).toEqual(checks.filter((c) => c.id !== 'hardware').map((c) => [c.id, 'pass']));
    expect(check(report, 'hardware').status).not.toBe('fail');
    expect(check(report, 'bundle').detail).toMatch(/^preflight-test 1\.0\.0, signed by preflight-signer/);
    expect(check(report, 'sudo').detail).toBe('sudo with the stored password');
    expect(check(report, 'os').detail).toContain('init systemd');
    expect(check(report, 'ports').detail).toBe('80/tcp, 443/tcp free');
    expect(check(report, 'disk').detail).toContain(`available on /data; needs 2 × bundle share`);
    expect(check(report, 'docker').detail).toBe("no running Docker: the bundle's Docker packages for debian-12 (docker.io) will be installed");
    expect(events.filter((e) => e.type === 'step' && e.step === `preflight ${node.name}`).map((e) => e.type === 'step' && e.state)).toEqual(['running', 'done']);
    expect(events.every((e) => e.task === 'pf')).toBe(true);
    expect(JSON.stringify([events, report])).not.toContain(node.sudoPassword!);
  });

  it('a share larger than /data can hold fails, naming the sizes', async () => {
    const avail = await dataAvail(node);
    const big = avail; // twice this can never fit
    const report = await preflight({ bundleShare: { [node.name]: big } });
    expect(report.ok).toBe(false);
    const disk = check(report, 'disk');
    expect(disk.status).toBe('fail');
    // df was read at another moment: the exact bytes may differ by a few blocks of journal.
    expect(disk.detail).toMatch(new RegExp(`^[\\d.]+ [KMG]?B \\((\\d+) bytes\\) available on /data; needs 2 × bundle share [\\d.]+ [KMG]?B \\(${big} bytes\\) = [\\d.]+ [KMG]?B \\(${2 * big} bytes\\)`));
    const text = formatPreflightFailure(report);
    expect(text).toContain(`${node.name}:\n  - Free space on the data filesystem (/data): `);
    expect(text).toContain(`(${2 * big} bytes)`);
  });

  it('a really full /data fails; bytes already staged (root-only folder) count as done', async () => {
    // Staged: a file of the whole share in a root-only staging folder, as an interrupted run leaves it.
    await nodeExec(node, ['sh', '-c', `mkdir -p /data/airgap-appliance/staging && chmod 700 /data/airgap-appliance && head -c ${share} /dev/zero > /data/airgap-appliance/staging/part`]);
    const leave = 64 * 1024;
    await nodeExec(node, ['fallocate', '-l', String((await dataAvail(node)) - leave), '/data/.preflight-fill']);
    try {
      const left = await dataAvail(node);
      expect(left).toBeLessThan(2 * share);
      const staged = await preflight();
      expect(check(staged, 'disk')).toMatchObject({ status: 'pass', detail: expect.stringContaining(`already staged) = 0 B (0 bytes)`) });

      await nodeExec(node, ['rm', '-rf', '/data/airgap-appliance']);
      const full = await preflight();
      expect(full.ok).toBe(false);
      const disk = check(full, 'disk');
      expect(disk.status).toBe('fail');
      expect(disk.detail).toContain(`needs 2 × bundle share`);
      expect(disk.detail).toContain(`(${share} bytes) = `);
      expect(disk.detail).toContain(`(${2 * share} bytes)`);
      expect(disk.detail).toMatch(/available on \/data; .* short$/);
      expect(disk.remediation).toContain('on /data');
    } finally {
      await nodeExec(node, ['rm', '-rf', '/data/.preflight-fill', '/data/airgap-appliance']);
    }
  });

  it('a port held by a listener fails naming the port and the process', async () => {
    const pid = (await nodeExec(node, ['sh', '-c', `busybox nc -l -p ${PORT} </dev/null >/dev/null 2>&1 & echo $!`])).stdout.trim();
    try {
      let ss = '';
      for (let i = 0; i < 50 && !ss.includes(`:${PORT} `); i++) {
        ss = (await nodeExec(node, ['ss', '-Htlnp'])).stdout;
        if (!ss.includes(`:${PORT} `)) await new Promise((r) => setTimeout(r, 100));
      }
      const line = ss.split('\n').find((l) => l.includes(`:${PORT} `))!;
      const proc = line.match(/users:\(\("([^"]+)"/)![1];
      // busybox nc binds the dual-stack wildcard, which ss shows as "*".
      const where = line.includes(`*:${PORT} `) ? 'all addresses' : line.trim().split(/\s+/)[3]!.replace(/:\d+$/, '');
      const report = await preflight({ requiredPorts: { [node.name]: [80, PORT, 443] } });
      expect(report.ok).toBe(false);
      expect(check(report, 'ports')).toMatchObject({ status: 'fail', detail: `${PORT}/tcp is in use by ${proc} on ${where}` });
      expect(formatPreflightFailure(report)).toContain(`  - Ports the stack needs are free: ${PORT}/tcp is in use by ${proc} on ${where}`);
      // Every other check still ran and passed: the report has every reason, not the first.
      expect(report.hosts[0]!.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['ports']);
    } finally {
      await nodeExec(node, ['kill', pid], { reject: false });
    }
  });

  it('a wrong sudo password, a missing data folder, a bundle for another topology and hosts without a connection are failures, not exceptions', async () => {
    const gone = await openTarget({ ...site.config.hosts[0]!, name: 'gone' }, {}, { siteDir: site.dir });
    await gone.close();
    const k3s = await initSiteWithSecrets(join(tmp, 'k3s-site'), { name: 'K3s', topology: 'k3s-3' }, PASSPHRASE);
    const report = await preflight({
      site: k3s,
      stack: { ...stack, docker: { ...stack.docker, packages: [{ ...stack.docker.packages[0]!, os: 'ubuntu-22.04' }] } },
      targets: [target, gone],
      vars: { ...vars(), gone: vars()[node.name]!, node9: vars()[node.name]!, node8: vars()[node.name]! },
      bundleShare: { [node.name]: share, gone: share, node9: share, node8: share },
      connectErrors: { node8: 'node8 (10.0.0.8:22): no route to host' },
    });
    expect(report.ok).toBe(false);
    expect(check(report, 'bundle')).toMatchObject({ status: 'fail', detail: expect.stringContaining("built for single, not this site's topology k3s-3") });
    expect(check(report, 'reachable', 'gone')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`connection to gone (${node.address}) lost`) });
    expect(check(report, 'reachable', 'node9')).toMatchObject({ status: 'fail', detail: 'no connection to this host was opened' });
    expect(check(report, 'reachable', 'node8')).toMatchObject({ status: 'fail', detail: 'could not connect: node8 (10.0.0.8:22): no route to host' });
    // Docker packages only for another OS, and no Docker on the node: the install could not get Docker there.
    expect(check(report, 'docker')).toMatchObject({ status: 'fail', detail: 'no running Docker, and the bundle has Docker packages only for ubuntu-22.04, not debian-12' });
    expect(report.hosts.find((h) => h.host === 'cluster')?.checks.map((c) => c.id)).toContain('cluster.nodes');

    // The stored password no longer works: sudo fails with sudo's reason, the rest still runs.
    const wrong = await openTarget(site.config.hosts[0]!, { [`hosts.${node.name}.password`]: 'not-the-password' }, { siteDir: site.dir });
    try {
      // ...and the data folder the site names does not exist.
      const r = await preflight({ targets: [wrong], vars: { [node.name]: { ...vars()[node.name]!, dataDir: '/srv/no-such-data' } } });
      expect(check(r, 'sudo')).toMatchObject({ status: 'fail', detail: expect.stringContaining('sudo refused for user engineer') });
      expect(r.hosts[0]!.checks.map((c) => c.id)).toEqual(['bundle', 'hardware', 'os', 'clock', 'sudo', 'docker', 'ports', 'disk']);
      expect(check(r, 'ports').status).toBe('pass');
      expect(check(r, 'disk')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^\/srv\/no-such-data cannot be read: .*No such file or directory/) });
      const text = formatPreflightFailure(r);
      expect(text).toContain(`${node.name}:\n  - sudo works: sudo refused for user engineer`);
      expect(text).toContain('\n  - Free space on the data filesystem (/srv/no-such-data): /srv/no-such-data cannot be read: ');
    } finally {
      await wrong.close();
    }
  });

  it("ports held by our own stack's containers pass, another container's fail (a docker node of the lab, when it has one)", async (ctx) => {
    const dnode = (await testLab()).nodes.find((n) => n.profile === 'docker');
    if (!dnode) return ctx.skip();
    const host = SiteHost.parse({ name: dnode.name, address: dnode.address, port: dnode.sshPort, user: 'root', role: 'server', auth: 'key', keyPath: dnode.keyPath, hostKey: dnode.hostKeyFingerprint });
    const dt = await openTarget(host, {});
    // What `docker compose up` leaves: containers labelled with their project, ports published through docker-proxy.
    const run = (name: string, project: string, port: number) =>
      nodeExec(dnode, ['docker', 'run', '-d', '--name', name, '--label', `com.docker.compose.project=${project}`, '-p', `${port}:80`, IMAGE, '/bin/busybox', 'httpd', '-f', '-p', '80']);
    const dinput = { targets: [dt], vars: { [dnode.name]: vars()[node.name]! }, bundleShare: { [dnode.name]: share }, requiredPorts: { [dnode.name]: [8443, 9443] } };
    try {
      await nodeExec(dnode, ['docker', 'load'], { input: readFileSync(join(tmp, 'image-a.tar')) });
      await run('pf-own', STACK, 8443);
      await run('pf-other', 'otherstack', 9443);
      const both = await runPreflight(input(dinput));
      expect(check(both, 'ports', dnode.name)).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(new RegExp(`^9443/tcp is in use by docker-proxy \\(a container that is not part of ${STACK}\\) on 0\\.0\\.0\\.0.*; 8443/tcp held by ${STACK}'s own containers$`)),
      });
      expect(check(both, 'docker', dnode.name)).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^Docker \d+\.\d+\S* runs \(≥ 20\.10\): used as it is$/) });

      await nodeExec(dnode, ['docker', 'rm', '-f', 'pf-other']);
      const rerun = await runPreflight(input(dinput));
      expect(check(rerun, 'ports', dnode.name)).toMatchObject({ status: 'pass', detail: `8443/tcp, 9443/tcp free; 8443/tcp held by ${STACK}'s own containers` });
    } finally {
      await nodeExec(dnode, ['docker', 'rm', '-f', 'pf-own', 'pf-other'], { reject: false });
      await nodeExec(dnode, ['docker', 'rmi', IMAGE], { reject: false });
      await dt.close();
    }
  });

  it('ran only read-only commands (the audit log of every run above)', async () => {
    const audit = readFileSync(join(site.dir, 'audit.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; script?: { label?: string } });
    const ran = new Set(audit.map((e) => (e.script ? `script:${e.script.label}` : e.argv.filter((a) => a !== 'sudo' && !a.startsWith('-'))[0])));
    expect([...ran].sort()).toEqual(expect.arrayContaining(['df', 'du', 'ss', 'true']));
    for (const cmd of ran) expect(['true', 'ss', 'cat', 'df', 'du', 'docker', 'script:hardware-probe', 'script:clock', 'script:dmidecode']).toContain(cmd);
  });
});
