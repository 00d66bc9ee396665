import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labStatus, labUp, type LabStatus } from '../../electron/engine/lab/index.js';
import { describeWithLab, nodeExec, sshArgs, testLab } from './support/lab.js';

// Its own lab, so bringing it up and down never disturbs the shared lab "it".
const NAME = 'labt';
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

describeWithLab('practice lab: up, status, ssh, isolation, down (lab "labt")', () => {
  let lab: LabStatus;

  beforeAll(async () => {
    await labDown({ name: NAME }); // a previous run that crashed must not make this one fail
    lab = await labUp({ name: NAME, nodes: 3 });
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

  it('real ssh with the printed key and known_hosts reaches each node; engineer has no sudo', async () => {
    for (const n of lab.nodes) {
      const { stdout } = await execa('ssh', [...sshArgs(n), 'hostname']);
      expect(stdout.trim()).toBe(n.name);
      const eng = await execa('ssh', [...sshArgs(n, 'engineer'), 'id -un; sudo -n true'], { reject: false });
      expect(eng.stdout.trim()).toBe('engineer');
      expect(eng.exitCode).not.toBe(0);
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
    // Own pid namespace: PID 1 is tini, and the host's processes are invisible.
    expect((await nodeExec(n1!, ['cat', '/proc/1/comm'])).stdout.trim()).toBe('tini');
  });

  it('lab up while up is a CONFLICT', async () => {
    await expect(labUp({ name: NAME, nodes: 3 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`Lab "${NAME}" is already up (3 nodes).`),
    });
  });

  it('lab down removes netns, links, mounts, processes, cgroups and rules; a second down succeeds', async () => {
    const st = await labStatus({ name: NAME });
    const pids = st.nodes.map((n) => n.pid!);
    expect(pids.every((p) => existsSync(`/proc/${p}`))).toBe(true);
    const labDir = path.dirname(st.knownHostsPath);

    await labDown({ name: NAME });

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
    const cgroups = readdirSync('/sys/fs/cgroup').flatMap((h) => {
      try {
        return readdirSync(path.join('/sys/fs/cgroup', h)).filter((d) => d.startsWith(`lab-${NAME}-`));
      } catch {
        return [];
      }
    });
    expect(cgroups).toEqual([]);
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

describeWithLab('docker inside lab nodes (shared lab "it")', () => {
  it('docker info answers, and an image imported from a busybox-static tarball runs', async () => {
    const lab = await testLab();
    const node = lab.nodes[0]!;
    expect(node.docker).toBe(true);
    const info = await execa('ssh', [...sshArgs(node), "docker info --format '{{.Driver}} {{.CgroupDriver}}'"]);
    expect(info.stdout.trim()).toBe('vfs cgroupfs');

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
describeWithLab('practice lab brought up under umask 077 (lab "labum")', () => {
  const UM = 'labum';
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
