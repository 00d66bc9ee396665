import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labStatus, labUp, type LabStatus } from '../../electron/engine/lab/index.js';
import { describeWithLab, nodeExec, sshArgs, testLab, testLabName } from './support/lab.js';

// Its own lab, so bringing it up and down never disturbs the shared lab "it".
const NAME = testLabName('labt');
const MiB = 2 ** 20;
const REPO = path.resolve(import.meta.dirname, '../..');
const PERMISSION_MESSAGE = 'The practice lab needs root (network namespaces, mounts). Run as root or with sudo.';

async function sshFingerprint(pubKeyLine: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'labt-'));
  try {
    writeFileSync(path.join(dir, 'key.pub'), pubKeyLine);
    const { stdout } = await execa('ssh-keygen', ['-lf', path.join(dir, 'key.pub')]);
    return stdout.split(/\s+/)[1]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithLab('practice lab: 3 bare systemd nodes: up, status, ssh, sudo, /data, isolation, down (own lab)', () => {
  let lab: LabStatus;

  beforeAll(async () => {
    await labDown({ name: NAME }); // a previous run that crashed must not make this one fail
    lab = await labUp({ name: NAME, nodes: 3, dataSize: '256M', nodeDataSizes: { node3: '64M' } });
  });
  afterAll(async () => {
    await labDown({ name: NAME }).catch(() => {});
  });

  it('status lists 3 running nodes whose fingerprints are the ones sshd really serves', async () => {
    const st = await labStatus({ name: NAME });
    expect(st.nodes.map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
    expect(new Set(st.nodes.map((n) => n.address)).size).toBe(3);
    expect(st.subnet).toMatch(/^10\.99\.\d+\.0\/24$/);
    const prefix = st.subnet.replace(/\.0\/24$/, '.');
    for (const n of st.nodes) {
      expect(n.running).toBe(true);
      expect(n.docker).toBe(false);
      expect(n).toMatchObject({ profile: 'bare', segment: 'lab', systemState: 'running', failedUnits: [] });
      expect(n.sudoPassword).toMatch(/^\S{12,}$/);
      expect(n.address.startsWith(prefix)).toBe(true);
      // The key file inside the node...
      const pub = (await nodeExec(n, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim();
      expect(await sshFingerprint(pub)).toBe(n.hostKeyFingerprint);
      // ...and what sshd presents on the wire.
      const scan = await execa('ssh-keyscan', ['-t', 'ed25519', n.address]);
      expect(await sshFingerprint(scan.stdout.trim().split('\n')[0]!.split(' ').slice(1).join(' '))).toBe(n.hostKeyFingerprint);
    }
    expect(new Set(st.nodes.map((n) => n.hostKeyFingerprint)).size).toBe(3);
  });

  it('over ssh as engineer: systemd running, the login in journalctl -u ssh, no docker, sudo only with the password', async () => {
    for (const n of lab.nodes) {
      const { stdout } = await execa('ssh', [...sshArgs(n), 'hostname']);
      expect(stdout.trim()).toBe(n.name);
      const eng = await execa('ssh', [...sshArgs(n, 'engineer'), 'id -un; systemctl is-system-running']);
      expect(eng.stdout.trim().split('\n')).toEqual(['engineer', 'running']);
      expect((await execa('ssh', [...sshArgs(n, 'engineer'), 'command -v docker'], { reject: false })).exitCode).not.toBe(0);
      // No passwordless sudo...
      expect((await execa('ssh', [...sshArgs(n, 'engineer'), 'sudo -n true'], { reject: false })).exitCode).not.toBe(0);
      // ...but sudo with the lab's password works, and shows the engineer's logins in sshd's journal.
      const journal = await execa('ssh', [...sshArgs(n, 'engineer'), 'sudo -S -p "" journalctl -u ssh --no-pager'], { input: `${n.sudoPassword}\n` });
      expect(journal.stdout).toMatch(/Accepted publickey for engineer from /);
      const wrong = await execa('ssh', [...sshArgs(n, 'engineer'), 'sudo -S -p "" true'], { input: 'not-the-password\n', reject: false });
      expect(wrong.exitCode).not.toBe(0);
    }
    // The known_hosts pins: a node presenting another key is refused.
    const dir = mkdtempSync(path.join(tmpdir(), 'labt-'));
    try {
      // node2's key listed under node1's address: ssh to node1 must refuse.
      const wrong = path.join(dir, 'known_hosts');
      writeFileSync(wrong, readFileSync(lab.knownHostsPath, 'utf8').replace(lab.nodes[0]!.address + ',', 'x,').replace(lab.nodes[1]!.address + ',', lab.nodes[0]!.address + ','));
      const r = await execa('ssh', [...sshArgs({ ...lab.nodes[0]!, knownHostsPath: wrong }), 'true'], { reject: false });
      expect(r.exitCode).toBe(255);
      expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nodes have separate root filesystems, reach each other, and have no default route', async () => {
    const [n1, n2] = lab.nodes;
    await execa('ssh', [...sshArgs(n1!), 'echo hello > /root/only-on-node1']);
    expect((await execa('ssh', [...sshArgs(n1!), 'cat /root/only-on-node1'])).stdout).toBe('hello');
    const other = await execa('ssh', [...sshArgs(n2!), 'test -e /root/only-on-node1'], { reject: false });
    expect(other.exitCode).toBe(1);
    const reach = await execa('ssh', [...sshArgs(n2!), `bash -c 'echo > /dev/tcp/${n1!.address}/22' && echo open`]);
    expect(reach.stdout.trim()).toBe('open');
    const routes = await execa('ssh', [...sshArgs(n2!), 'ip -4 route']);
    expect(routes.stdout).not.toMatch(/default/);
    // Own pid namespace: PID 1 is systemd, and the host's processes are invisible.
    expect((await nodeExec(n1!, ['cat', '/proc/1/comm'])).stdout.trim()).toBe('systemd');
    // Own machine-id and boot id per node (journald and `journalctl -b` tell nodes apart by them).
    const ids = async (n: typeof n1) => (await nodeExec(n!, ['cat', '/etc/machine-id', '/proc/sys/kernel/random/boot_id'])).stdout;
    const [a, b] = [await ids(n1), await ids(n2)];
    expect(a).not.toBe(b);
    expect(a.split('\n')[1]).not.toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  });

  it('/data is a separate filesystem of the size set; filling it fails with ENOSPC while / is unaffected', async () => {
    const [n1, , n3] = lab.nodes;
    const size = async (n: typeof n1) => Number((await nodeExec(n!, ['df', '-B1', '--output=size', '/data'])).stdout.split('\n')[1]);
    // The device is exactly the size set (the image file on the host); ext4's journal and
    // metadata take about a tenth of a small filesystem, so df shows a little less.
    const st = JSON.parse(readFileSync(path.join(path.dirname(lab.knownHostsPath), 'state.json'), 'utf8')) as { nodes: { dataImage: string }[] };
    expect(st.nodes.map((n) => statSync(n.dataImage).size)).toEqual([256 * MiB, 256 * MiB, 64 * MiB]);
    expect(await size(n1)).toBeGreaterThan(0.85 * 256 * MiB);
    expect(await size(n1)).toBeLessThanOrEqual(256 * MiB);
    expect(await size(n3)).toBeLessThanOrEqual(64 * MiB);
    expect(await size(n3)).toBeGreaterThan(0.75 * 64 * MiB);
    const fs = (await nodeExec(n3!, ['findmnt', '-no', 'FSTYPE,SOURCE', '/data'], { reject: false })).stdout.trim() || (await nodeExec(n3!, ['sh', '-c', 'grep " /data " /proc/mounts'])).stdout;
    expect(fs).toMatch(/ext4/);
    const fill = await nodeExec(n3!, ['dd', 'if=/dev/zero', 'of=/data/fill', 'bs=1M', 'count=200'], { reject: false });
    expect(fill.exitCode).not.toBe(0);
    expect(fill.stderr).toMatch(/No space left on device/);
    // The root filesystem still takes writes.
    await nodeExec(n3!, ['sh', '-c', 'echo ok > /root/after-full && cat /root/after-full']);
    await nodeExec(n3!, ['rm', '-f', '/data/fill', '/root/after-full']);
  });

  it('lab up while up is a CONFLICT', async () => {
    await expect(labUp({ name: NAME, nodes: 3 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`Lab "${NAME}" is already up (3 nodes).`),
    });
  });

  it('lab down removes netns, links, mounts, processes, cgroups, loop devices and rules; a second down succeeds', async () => {
    const st = await labStatus({ name: NAME });
    const pids = st.nodes.map((n) => n.pid!);
    expect(pids.every((p) => existsSync(`/proc/${p}`))).toBe(true);
    const labDir = path.dirname(st.knownHostsPath);
    // Every process of the nodes (systemd, journald, sshd, ...), found by network namespace.
    const nodeNetns = new Set(pids.map((p) => readlinkSync(`/proc/${p}/ns/net`)));
    const nodeProcs = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return nodeNetns.has(readlinkSync(`/proc/${d}/ns/net`));
          } catch {
            return false;
          }
        });
    expect(nodeProcs().length).toBeGreaterThan(pids.length);

    await labDown({ name: NAME });

    expect(nodeProcs()).toEqual([]);
    expect(existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${NAME}-`)) : []).toEqual([]);
    expect((await execa('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE'])).stdout).not.toContain(labDir);

    expect((await execa('ip', ['netns', 'list'])).stdout).not.toMatch(new RegExp(`^${NAME}-node`, 'm'));
    const links = (await execa('ip', ['-o', 'link', 'show'])).stdout;
    expect(links).not.toContain(`labbr-${NAME}`);
    expect(links).not.toMatch(new RegExp(`labv\\d+-${NAME}\\b`));
    for (const p of pids) expect(existsSync(`/proc/${p}`)).toBe(false);
    // No process anywhere (any mount namespace) still has a mount below the lab's folder.
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let info: string;
      try {
        info = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
      } catch {
        continue;
      }
      expect(info.includes(labDir), `pid ${pid} still mounts ${labDir}`).toBe(false);
    }
    // The nodes' cgroup folders sit below this process's own cgroup in each hierarchy: search deep.
    const cgroups = (await execa('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', `lab-${NAME}-node*`])).stdout.trim();
    expect(cgroups).toBe('');
    expect((await execa('iptables', ['-w', '-S', 'FORWARD'])).stdout).not.toContain(`appliance-lab:${NAME}`);
    expect(existsSync(labDir)).toBe(false);
    expect((await labStatus({ name: NAME })).nodes).toEqual([]);

    await expect(labDown({ name: NAME })).resolves.toBeUndefined();
  });
});

describe('practice lab CLI without root', () => {
  it('`appliance lab up` as an unprivileged user exits non-zero with the PERMISSION message', async () => {
    const argv = ['node', path.join(REPO, 'bin/appliance.js'), 'lab', 'up', '--name', 'labnr'];
    const asRoot = process.getuid?.() === 0;
    const r = asRoot
      ? await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...argv], { reject: false, cwd: REPO, env: { HOME: '/tmp' } })
      : await execa(argv[0]!, argv.slice(1), { reject: false, cwd: REPO });
    expect(r.stderr).toContain(PERMISSION_MESSAGE);
    expect(r.exitCode).not.toBe(0);
    expect((await execa('ip', ['netns', 'list'])).stdout).not.toContain('labnr-node');
  });
});

describeWithLab('docker profile node (shared lab "it", node1)', () => {
  it('docker.service and Compose v2 are installed and enabled; data-root is on /data; an imported image runs', async () => {
    const lab = await testLab();
    const node = lab.nodes[0]!;
    expect(node).toMatchObject({ docker: true, profile: 'docker', systemState: 'running' });
    expect(lab.nodes.slice(1).map((n) => n.profile)).toEqual(['bare', 'bare']);
    const units = await execa('ssh', [...sshArgs(node), 'systemctl is-enabled docker.service; systemctl is-active docker.service']);
    expect(units.stdout.trim().split('\n')).toEqual(['enabled', 'active']);
    const compose = await execa('ssh', [...sshArgs(node), 'docker compose version --short']);
    expect(compose.stdout.trim()).toMatch(/^v?2\.\d+\.\d+/);
    const info = await execa('ssh', [...sshArgs(node), "docker info --format '{{.Driver}} {{.CgroupDriver}} {{.DockerRootDir}}'"]);
    expect(info.stdout.trim()).toBe('vfs cgroupfs /data/docker');

    const tag = `labt-busybox:${process.pid}`;
    const script = [
      'set -e',
      'd=$(mktemp -d)',
      'mkdir -p "$d/bin"',
      'cp /bin/busybox "$d/bin/busybox"',
      'for a in sh true false; do ln -s busybox "$d/bin/$a"; done',
      `tar -C "$d" -c . | docker import -c 'CMD ["/bin/sh"]' - ${tag} >/dev/null`,
      'rm -rf "$d"',
    ].join('\n');
    await execa('ssh', [...sshArgs(node), 'sh -s'], { input: script });
    try {
      expect((await execa('ssh', [...sshArgs(node), `docker run --rm ${tag} true`], { reject: false })).exitCode).toBe(0);
      // The exit code of the container really comes through (so the line above can fail).
      expect((await execa('ssh', [...sshArgs(node), `docker run --rm ${tag} false`], { reject: false })).exitCode).toBe(1);
      const hn = await execa('ssh', [...sshArgs(node), `docker run --rm ${tag} /bin/busybox ip -4 addr show eth0`]);
      expect(hn.stdout).toMatch(/inet 172\.31\.1\.\d+\/24/);
    } finally {
      await execa('ssh', [...sshArgs(node), `docker rmi -f ${tag}`], { reject: false });
    }
  });
});

// A hardened machine (or CI environment) runs with umask 077. The lab must not inherit it: a
// base built under 077 had /usr/local/* at 0700 (base-files' postinst uses a plain mkdir), and a
// node's overlay upper dir, which becomes its "/", was 0700 too, so the non-root user "engineer"
// could not log in or find tools in /usr/local/sbin. Both broke the probe tests on a fresh machine.
describeWithLab('practice lab brought up under umask 077 (own lab)', () => {
  const UM = testLabName('labum');
  let st: LabStatus;
  beforeAll(async () => {
    await labDown({ name: UM });
    const up = await execa('sh', ['-c', 'umask 077 && exec node bin/appliance.js lab up --name "$1" --nodes 1', 'sh', UM], { cwd: REPO, reject: false });
    expect(up.exitCode, up.stderr).toBe(0);
    st = await labStatus({ name: UM });
  });
  afterAll(async () => {
    await labDown({ name: UM }).catch(() => {});
  });

  it('engineer logs in over SSH, "/" and /usr/local/sbin are 0755, and a tool placed there is found (as the hardware probe looks for dmidecode)', async () => {
    const n = st.nodes[0]!;
    await nodeExec(n, ['sh', '-c', 'printf "#!/bin/sh\\necho found\\n" > /usr/local/sbin/umask-probe && chmod 0755 /usr/local/sbin/umask-probe']);
    const r = await execa('ssh', [...sshArgs(n, 'engineer'), 'stat -c %a / /usr/local /usr/local/sbin; PATH=/usr/local/sbin:$PATH umask-probe'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['755', '755', '755', 'found']);
  });

  it('the base root filesystem has no directory under /usr or /etc that only root can enter', async () => {
    const base = JSON.parse(readFileSync(path.join(path.dirname(st.knownHostsPath), 'state.json'), 'utf8')) as { baseDir: string };
    const { stdout } = await execa('find', [path.join(base.baseDir, 'usr'), path.join(base.baseDir, 'etc'), '-xdev', '-type', 'd', '!', '-perm', '-o=x', '-printf', '%m %P\n']);
    // Only directories that are private by design in Debian's packages may lack o+x.
    const allowed = /^\d+ (ssl\/private|polkit-1\/rules\.d|sudoers\.d|credstore(\.encrypted)?|share\/polkit-1\/rules\.d)$/;
    expect(stdout.split('\n').filter((l) => l && !allowed.test(l))).toEqual([]);
  });
});
