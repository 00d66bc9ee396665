import { randomBytes, randomUUID } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateEd25519 } from './keys.js';
import { dockerRanges, type NodeNames } from './naming.js';
import type { NodeProfile } from './node-options.js';

/**
 * Creates `rel` (a directory path inside the node) in the overlay upper dir, giving each new
 * component the owner and mode it has in the base: an upper directory's attributes win over the
 * lower one's, so a plain mkdir would turn /home/engineer into a root-owned directory.
 */
async function upperDir(baseDir: string, upper: string, rel: string, fallback: { mode: number; uid: number; gid: number }): Promise<string> {
  let cur = upper;
  for (const part of rel.split('/').filter(Boolean)) {
    const lower = path.join(baseDir, path.relative(upper, cur), part);
    cur = path.join(cur, part);
    let attrs = fallback;
    try {
      const st = lstatSync(lower);
      if (st.isDirectory()) attrs = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    } catch {
      // not in the base: use the fallback
    }
    try {
      lstatSync(cur);
    } catch {
      await mkdir(cur);
      await chown(cur, attrs.uid, attrs.gid);
      await chmod(cur, attrs.mode);
    }
  }
  return cur;
}

async function putFile(file: string, content: string, mode: number, uid = 0, gid = 0): Promise<void> {
  await writeFile(file, content);
  await chown(file, uid, gid);
  await chmod(file, mode);
}

export interface PrepareNodeOptions {
  baseDir: string;
  node: NodeNames;
  labName: string;
  clientPublicKey: string;
  /** Every node of the lab, for /etc/hosts. */
  hosts: { name: string; address: string; netns: string }[];
  bridgeAddress: string;
  profile: NodeProfile;
}

/**
 * Writes the node's own files into a fresh overlay upper dir: hostname, /etc/hosts, its own
 * machine-id and ed25519 host key, authorized_keys for root and engineer, and (docker profile)
 * /etc/docker/daemon.json; plus its boot id file next to the overlay. Returns the host public key line.
 */
export async function prepareNodeFiles(o: PrepareNodeOptions): Promise<string> {
  const { baseDir, node } = o;
  const root = { mode: 0o755, uid: 0, gid: 0 };
  // mkdir's mode is masked by the caller's umask; the upper dir's mode becomes the node's "/",
  // so under umask 077 no user but root could reach anything. Set the modes explicitly.
  for (const [dir, mode] of [[node.upperDir, 0o755], [node.workDir, 0o700], [node.rootDir, 0o755]] as const) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, mode);
  }
  const up = node.upperDir;

  const etc = await upperDir(baseDir, up, 'etc', root);
  await putFile(path.join(etc, 'hostname'), `${node.name}\n`, 0o644);
  // Own machine-id and boot id: journald, D-Bus and `journalctl -b` tell nodes apart by them.
  await putFile(path.join(etc, 'machine-id'), `${randomBytes(16).toString('hex')}\n`, 0o444);
  await putFile(node.bootIdFile, `${randomUUID()}\n`, 0o444);
  const hostLines = o.hosts.map((h) => `${h.address}\t${h.name} ${h.netns}`);
  await putFile(
    path.join(etc, 'hosts'),
    [
      '127.0.0.1\tlocalhost',
      `127.0.1.1\t${node.name}`,
      '::1\tlocalhost ip6-localhost ip6-loopback',
      '',
      `# practice lab "${o.labName}" (written by appliance lab up)`,
      `${o.bridgeAddress}\tlab-host`,
      ...hostLines,
      '',
    ].join('\n'),
    0o644,
  );

  const sshDir = await upperDir(baseDir, up, 'etc/ssh', root);
  const hostPub = await generateEd25519(path.join(sshDir, 'ssh_host_ed25519_key'), `root@${node.name}`);

  const authorized = `${o.clientPublicKey}\n`;
  const rootSsh = await upperDir(baseDir, up, 'root/.ssh', { mode: 0o700, uid: 0, gid: 0 });
  await putFile(path.join(rootSsh, 'authorized_keys'), authorized, 0o600);
  const home = lstatSync(path.join(baseDir, 'home/engineer'));
  const engSsh = await upperDir(baseDir, up, 'home/engineer/.ssh', { mode: 0o700, uid: home.uid, gid: home.gid });
  await putFile(path.join(engSsh, 'authorized_keys'), authorized, 0o600, home.uid, home.gid);

  if (o.profile === 'docker') {
    const { bip, pool } = dockerRanges(node.index);
    const dockerDir = await upperDir(baseDir, up, 'etc/docker', root);
    // Per-node settings only: storage and cgroup driver are flags in the layer's docker.service
    // drop-in (dockerd refuses an option set in both places). Images live on the node's /data.
    const daemon = { 'data-root': '/data/docker', bip, 'default-address-pools': [{ base: pool, size: 24 }] };
    await putFile(path.join(dockerDir, 'daemon.json'), JSON.stringify(daemon, null, 2) + '\n', 0o644);
  }
  return hostPub;
}

/** The host public key a prepared node will present (read from its upper dir). */
export function nodeHostPublicKey(node: NodeNames): string {
  return readFileSync(path.join(node.upperDir, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8').trim();
}
