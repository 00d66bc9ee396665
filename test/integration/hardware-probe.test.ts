import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import { HardwareReport, probeHost, probeHosts } from '../../electron/engine/hardware/index.js';
import { loadSite, type SiteHost } from '../../electron/engine/site/index.js';
import { probeSiteHardware, SiteSizing } from '../../electron/engine/sizing/index.js';
import { openTarget, type SshTarget } from '../../electron/engine/targets/index.js';
import { describeWithLab, nodeExec, testLab, type LabNode, type LabStatus } from './support/lab.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(REPO, 'installer-assets/probes/hardware-probe.sh');
const PASSPHRASE = 'hardware-probe-test-passphrase';

function hostOf(n: LabNode, user = n.user): SiteHost {
  return { name: n.name, address: n.address, port: n.sshPort, user, role: 'server', auth: 'key', keyPath: n.keyPath, hostKey: n.hostKeyFingerprint };
}

async function withTarget<T>(n: LabNode, user: string, fn: (t: SshTarget) => Promise<T>): Promise<T> {
  const t = await openTarget(hostOf(n, user), {});
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/** What the node's own kernel view says, read without SSH. */
async function nodeFacts(n: LabNode): Promise<{ threads: number; memTotal: number; osId: string; release: string }> {
  const cpuinfo = (await nodeExec(n, ['cat', '/proc/cpuinfo'])).stdout;
  const meminfo = (await nodeExec(n, ['cat', '/proc/meminfo'])).stdout;
  const osr = (await nodeExec(n, ['cat', '/etc/os-release'])).stdout;
  const nproc = Number((await nodeExec(n, ['nproc', '--all'])).stdout.trim());
  const threads = cpuinfo.split('\n').filter((l) => /^processor\s*:/.test(l)).length;
  expect(threads).toBe(nproc);
  return {
    threads,
    memTotal: Number(meminfo.match(/^MemTotal:\s+(\d+) kB/m)![1]) * 1024,
    osId: osr.match(/^ID=(.*)$/m)![1]!.replace(/"/g, ''),
    release: osr.match(/^VERSION_ID=(.*)$/m)![1]!.replace(/"/g, ''),
  };
}

describeWithLab('hardware probe over SSH (lab nodes)', () => {
  let lab: LabStatus;
  beforeAll(async () => {
    lab = await testLab();
  });

  it('reports each node as its own /proc sees it: threads, cores, memory, OS, hostname', async () => {
    for (const n of lab.nodes) {
      const facts = await nodeFacts(n);
      const r = await withTarget(n, 'root', (t) => probeHost(t));
      expect(HardwareReport.parse(r)).toEqual(r);
      expect(r.source).toBe('ssh');
      expect(r.host).toBe(n.name);
      expect(r.hostname).toBe(n.name);
      expect(r.cpu.threads).toBe(facts.threads);
      // Cores: unique (physical id, core id) pairs, never more than threads.
      expect(r.cpu.cores).toBeGreaterThan(0);
      expect(r.cpu.cores).toBeLessThanOrEqual(facts.threads);
      expect(r.memory.totalBytes).toBe(facts.memTotal);
      expect(r.os.family).toBe(facts.osId);
      expect(r.os.release).toBe(facts.release);
      expect(r.nics.find((x) => x.addresses.some((a) => a.startsWith(`${n.address}/`)))).toBeDefined();
      // sshd listens on 22 in every node.
      expect(r.listeningPorts).toContainEqual(expect.objectContaining({ protocol: 'tcp', port: 22 }));
      // Same kernel clock on both ends: the measured offset is the measurement error only.
      expect(Math.abs(r.timeSync.offsetMs!)).toBeLessThan(1000);
      // The lab base has no dmidecode: ECC unknown, said in a warning.
      expect(r.memory.ecc).toBe('unknown');
      expect(r.warnings.some((w) => w.startsWith('memory.ecc'))).toBe(true);
    }
  });

  it('reports systemd as the init system and the time sync service state systemd itself gives', async () => {
    for (const n of lab.nodes) {
      const r = await withTarget(n, 'root', (t) => probeHost(t));
      expect(r.initSystem).toBe('systemd');
      // The node's own answer: timesyncd is installed but skipped (ConditionVirtualization=!container).
      const show = (await nodeExec(n, ['systemctl', 'show', 'systemd-timesyncd.service', '-p', 'LoadState', '-p', 'ActiveState', '-p', 'ConditionResult'])).stdout;
      expect(show).toMatch(/^LoadState=loaded$/m);
      expect(show).toMatch(/^ConditionResult=no$/m);
      expect(r.timeSync.service).toEqual({ name: 'systemd-timesyncd', state: 'condition-skipped' });
    }
    // A masked unit is reported as masked (runtime mask: lives in /run, undone below either way).
    const n = lab.nodes[2]!;
    await nodeExec(n, ['systemctl', 'mask', '--runtime', 'systemd-timesyncd.service']);
    try {
      const r = await withTarget(n, 'root', (t) => probeHost(t));
      expect(r.timeSync.service).toEqual({ name: 'systemd-timesyncd', state: 'masked' });
    } finally {
      await nodeExec(n, ['systemctl', 'unmask', '--runtime', 'systemd-timesyncd.service']);
    }
  });

  it('writes nothing on the node: the overlay upper layer is byte-for-byte the same after a probe', async () => {
    const n = lab.nodes[0]!;
    const upper = path.join(lab.stateDir, 'labs', lab.name, 'nodes', n.name, 'upper');
    // Every file, its size and mtime. dockerd's own state under var/lib/docker may tick on its own.
    const snapshot = async () => (await execa('find', [upper, '-path', `${upper}/var/lib/docker`, '-prune', '-o', '-printf', '%P %s %T@ %y\\n'])).stdout.split('\n').sort().join('\n');
    const before = await snapshot();
    await withTarget(n, 'root', (t) => probeHost(t));
    const after = await snapshot();
    expect(after).toEqual(before);
    // The check can fail: a write shows up (and is undone).
    await nodeExec(n, ['sh', '-c', 'echo x > /var/tmp/probe-write-check']);
    expect(await snapshot()).not.toEqual(before);
    await nodeExec(n, ['rm', '-f', '/var/tmp/probe-write-check']);
  });

  it('without lsblk (hidden) and without dmidecode: report complete, those fields degraded with warnings', async () => {
    const n = lab.nodes[1]!;
    expect((await nodeExec(n, ['sh', '-c', 'command -v dmidecode'], { reject: false })).exitCode).not.toBe(0);
    const full = await withTarget(n, 'root', (t) => probeHost(t));
    await nodeExec(n, ['mv', '/usr/bin/lsblk', '/usr/bin/lsblk.hidden-by-test']);
    let degraded: HardwareReport;
    try {
      degraded = await withTarget(n, 'root', (t) => probeHost(t));
    } finally {
      await nodeExec(n, ['mv', '/usr/bin/lsblk.hidden-by-test', '/usr/bin/lsblk']);
    }
    expect(HardwareReport.safeParse(degraded).success).toBe(true);
    expect(degraded.warnings.find((w) => w.startsWith('disks:'))).toMatch(/lsblk is not installed; read \/sys\/block instead/);
    expect(degraded.warnings.find((w) => w.startsWith('memory.ecc:'))).toMatch(/dmidecode is not installed/);
    expect(full.warnings.some((w) => w.startsWith('disks:'))).toBe(false);
    // The sysfs fallback finds the same disks with the same sizes; only the transport is lost.
    expect(degraded.disks.map((d) => [d.name, d.sizeBytes])).toEqual(full.disks.map((d) => [d.name, d.sizeBytes]));
    // Everything else is unchanged.
    expect(degraded.cpu).toEqual(full.cpu);
    expect(degraded.memory.totalBytes).toBe(full.memory.totalBytes);
    expect(degraded.filesystems.map((f) => f.mount)).toEqual(full.filesystems.map((f) => f.mount));
  });

  describe('as the non-root user "engineer" with dmidecode installed', () => {
    const n = () => lab.nodes[2]!;
    beforeAll(async () => {
      // The host's dmidecode binary (it needs only libc) stands in for the package.
      await nodeExec(n(), ['sh', '-c', 'cat > /usr/local/sbin/dmidecode && chmod 0755 /usr/local/sbin/dmidecode'], { input: readFileSync('/usr/sbin/dmidecode') });
    });
    afterAll(async () => {
      await nodeExec(n(), ['rm', '-f', '/usr/local/sbin/dmidecode']);
    });

    it('without sudo: ECC unknown with a warning that root is needed; the rest as for root', async () => {
      const events: ApplianceEvent[] = [];
      const r = await withTarget(n(), 'engineer', (t) => probeHost(t, { onEvent: (e) => events.push(e), task: 't1' }));
      expect(r.memory.ecc).toBe('unknown');
      expect(r.warnings).toContain('memory.ecc: unknown: dmidecode needs root and this user has no passwordless sudo');
      // The probe then asked the target's own sudo once, and was refused.
      expect(events.some((e) => e.type === 'log' && e.stream === 'info' && /sudo dmidecode refused/.test(e.line))).toBe(true);
      const facts = await nodeFacts(n());
      expect(r.cpu.threads).toBe(facts.threads);
      expect(r.memory.totalBytes).toBe(facts.memTotal);
    });

    it('with passwordless sudo: dmidecode runs through sudo (and finds no SMBIOS in a namespace)', async () => {
      // Other suites expect engineer without sudo: grant it only for these two probes.
      await nodeExec(n(), ['sh', '-c', 'echo "engineer ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/engineer-probe-test && chmod 0440 /etc/sudoers.d/engineer-probe-test']);
      let r: HardwareReport;
      let never: HardwareReport;
      try {
        r = await withTarget(n(), 'engineer', (t) => probeHost(t));
        // sudo: never use it when told not to.
        never = await withTarget(n(), 'engineer', (t) => probeHost(t, { sudo: 'never' }));
      } finally {
        await nodeExec(n(), ['rm', '-f', '/etc/sudoers.d/engineer-probe-test']);
      }
      expect(r.memory.ecc).toBe('unknown');
      expect(r.warnings.find((w) => w.startsWith('memory.ecc'))).toMatch(/dmidecode could not read the SMBIOS tables/);
      expect(never.warnings).toContain('memory.ecc: unknown: dmidecode needs root and this user has no passwordless sudo');
    });
  });

  it('probeHosts: three nodes in parallel with a step per host and item progress', async () => {
    const targets = await Promise.all(lab.nodes.map((n) => openTarget(hostOf(n), {})));
    const events: ApplianceEvent[] = [];
    try {
      const res = await probeHosts(targets, { onEvent: (e) => events.push(e), task: 'p' });
      expect(res.map((r) => [r.host, r.error])).toEqual(lab.nodes.map((n) => [n.name, null]));
    } finally {
      await Promise.all(targets.map((t) => t.close()));
    }
    for (const n of lab.nodes) {
      const states = events.filter((e) => e.type === 'step' && e.host === n.name).map((e) => (e as { state: string }).state);
      expect(states).toEqual(['running', 'done']);
    }
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3, unit: 'items' });
  });

  describe('a site: `appliance hardware --site` and probeSiteHardware', () => {
    let dir: string;
    const env = { ...process.env, APPLIANCE_PASSPHRASE: PASSPHRASE };
    beforeAll(async () => {
      dir = path.join(mkdtempSync(path.join(tmpdir(), 'hw-site-')), 'site');
      await execa('node', [path.join(REPO, 'bin/appliance.js'), 'site', 'init', dir, '--name', 'Probe test', '--topology', 'k3s-3', '--from-lab', '--lab-name', lab.name], { env });
    });
    afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

    it('--profile lab --json: three probed hosts, the lab banner, verdict and exit code agree', async () => {
      const r = await execa('node', [path.join(REPO, 'bin/appliance.js'), 'hardware', '--site', dir, '--profile', 'lab', '--json'], { env, reject: false });
      const s = SiteSizing.parse(JSON.parse(r.stdout));
      expect(s.profile).toMatchObject({ name: 'lab', production: false, banner: 'profile: lab — NOT the production sizing' });
      expect(s.hosts.map((h) => [h.host, h.error])).toEqual(lab.nodes.map((n) => [n.name, null]));
      expect(s.cluster.find((c) => c.id === 'cluster.nodes')!.status).toBe('pass');
      expect(s.cluster.find((c) => c.id === 'cluster.hostnames')!.status).toBe('pass');
      expect(s.cluster.find((c) => c.id === 'cluster.skew')!.status).toBe('pass');
      expect(r.exitCode).toBe(s.verdict === 'fail' ? 1 : 0);
      // Nothing secret in the output.
      expect(r.stdout).not.toContain(PASSPHRASE);
      expect(r.stdout).not.toContain('PRIVATE KEY');
    });

    it('production profile on lab nodes fails (cores, memory), prints tables and exits 1', async () => {
      const r = await execa('node', [path.join(REPO, 'bin/appliance.js'), 'hardware', '--site', dir], { env, reject: false });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/^profile: medium-k3s-3/m);
      for (const n of lab.nodes) expect(r.stdout).toContain(`${n.name}: `);
      expect(r.stdout).toMatch(/CPU cores .* FAIL/);
      expect(r.stdout).toMatch(/Verdict: FAIL/);
      expect(r.stdout).toMatch(/Large tier \(200\+ beds\)/);
    });

    it('an unreachable host is a failed check, the others are still probed', async () => {
      const site = await loadSite(dir);
      site.config.hosts[1] = { ...site.config.hosts[1]!, address: lab.nodes[1]!.address, port: 2 };
      const s = await probeSiteHardware(site, PASSPHRASE, { profile: 'lab', connectTimeoutMs: 3000 });
      expect(s.hosts[1]!.report).toBeNull();
      expect(s.hosts[1]!.error!.code).toBe('UNREACHABLE');
      expect(s.hosts[1]!.checks).toEqual([expect.objectContaining({ id: 'probe', status: 'fail' })]);
      expect(s.hosts[0]!.report).not.toBeNull();
      expect(s.hosts[2]!.report).not.toBeNull();
      expect(s.verdict).toBe('fail');
    });
  });
});

describe('hardware probe script is read-only (strace, this machine)', () => {
  it('opens no file for writing except /dev/null and makes no filesystem change', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'probe-strace-'));
    try {
      const log = path.join(dir, 'trace');
      const mutating = 'creat,mkdir,mkdirat,unlink,unlinkat,rmdir,rename,renameat,renameat2,truncate,ftruncate,link,linkat,symlink,symlinkat,chmod,fchmod,fchmodat,chown,fchown,fchownat,lchown,utimensat,mknod,mknodat,setxattr,lsetxattr,fsetxattr';
      await execa('strace', ['-f', '-qq', '-e', `trace=open,openat,openat2,${mutating}`, '-o', log, 'sh', SCRIPT, '::strace::'], { stdout: 'ignore', stderr: 'ignore' });
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      const opens = lines.filter((l) => /\bopen(at2?)?\(/.test(l));
      expect(opens.length).toBeGreaterThan(20);
      const writes = opens.filter((l) => /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(l)).filter((l) => !/"\/dev\/null"/.test(l));
      expect(writes).toEqual([]);
      const changes = lines.filter((l) => new RegExp(`\\b(${mutating.replace(/,/g, '|')})\\(`).test(l));
      expect(changes).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
