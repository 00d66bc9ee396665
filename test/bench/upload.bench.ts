// Upload of a 1 GiB random file to lab nodes (lab "bench", 3 nodes, no docker), against the
// standard tools in the same run and with the same cipher (aes128-gcm@openssh.com, which is
// also what ssh2 negotiates first on CPUs with AES-NI; the bench prints what was negotiated):
// - one node: SshTarget.upload (verified: sha256 on the node) vs `ssh node 'cat > f' < file`
//   (goal ratio >= 1.0) and vs `scp` (SFTP protocol; goal >= 1.3); median of 3 runs each.
//   Reported with the default verification (hash of the file after writing), with hashing
//   while writing (tee into the hash), and the streaming phase alone.
// - three nodes at once (uploadToHosts): total time as a ratio to one node.
// - a cut at 50 % (the node's sshd session killed), then resume: bytes sent twice (goal < 1 %).
// Brings the lab up if it is down and takes it down again only then (the probe bench shares it).
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { isApplianceError } from '../../electron/engine/errors.js';
import { execInNode, labDown, labStatus, type LabNode } from '../../electron/engine/lab/index.js';
import { SshTarget, uploadToHosts } from '../../electron/engine/targets/index.js';
import { ensureLab } from '../support/ensure-lab.js';

const LAB = 'bench';
const RUNS = 3;
const SIZE = 1024 * 1024 * 1024;
const CIPHER = 'aes128-gcm@openssh.com';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.floor(s.length / 2)]!.toFixed(3);
};
const round = (x: number, d = 3) => +x.toFixed(d);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

function sshOpts(n: LabNode): string[] {
  return ['-F', '/dev/null', '-i', n.keyPath, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${n.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-c', CIPHER];
}

const connect = (n: LabNode) =>
  SshTarget.connect({ name: n.name, address: n.address, port: n.sshPort, user: 'root', auth: 'key', keyPath: n.keyPath, hostKey: n.hostKeyFingerprint, ciphers: [CIPHER] });

async function makeFile(path: string): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let done = 0; done < SIZE; done += 1 << 24) {
    const chunk = randomBytes(1 << 24);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

/** Kills the sshd session processes (not the listener) behind the shell writing `partName`. */
async function cutSession(n: LabNode, partName: string): Promise<void> {
  await execInNode(n, ['sh', '-c', `p=$(pgrep -f "${partName}" | head -1); while [ -n "$p" ] && [ "$p" != 1 ]; do grep -q listener /proc/$p/cmdline && break; c=$(cat /proc/$p/comm); pp=$(awk '{print $4}' /proc/$p/stat); [ "$c" = sshd ] && kill -9 $p; p=$pp; done`]);
}

export default async function run(): Promise<Record<string, unknown>> {
  const wasUp = !(await ensureLab({ name: LAB, nodes: 3 })).started;
  const tmp = mkdtempSync(join(tmpdir(), 'upload-bench-'));
  try {
    const nodes = (await labStatus({ name: LAB })).nodes;
    const n1 = nodes[0]!;
    const file = join(tmp, 'one-gib.bin');
    const sha = await makeFile(file);
    for (const n of nodes) await execInNode(n, ['sh', '-c', 'rm -rf /root/bench && mkdir -p /root/bench']);
    const dest = `root@${n1.address}`;

    const t = await connect(n1);
    const negotiated = t.negotiated;
    const ours: number[] = [];
    const oursTransfer: number[] = [];
    const oursWhileWriting: number[] = [];
    const sshCat: number[] = [];
    const scp: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        await execInNode(n1, ['rm', '-f', '/root/bench/ours.bin', '/root/bench/ssh.bin', '/root/bench/scp.bin']);
        sshCat.push(await timed(() => execa('ssh', [...sshOpts(n1), dest, 'cat > /root/bench/ssh.bin'], { inputFile: file })));
        scp.push(await timed(() => execa('scp', [...sshOpts(n1), '-q', file, `${dest}:/root/bench/scp.bin`])));
        const r = await t.upload(file, '/root/bench/ours.bin', { sha256: sha, resume: false });
        ours.push(r.durationMs / 1000);
        oursTransfer.push(r.transferMs / 1000);
        await execInNode(n1, ['rm', '-f', '/root/bench/ours.bin']);
        const w = await t.upload(file, '/root/bench/ours.bin', { sha256: sha, resume: false, remoteHash: 'while-writing' });
        oursWhileWriting.push(w.durationMs / 1000);
      }
    } finally {
      await t.close();
    }
    for (const n of nodes) await execInNode(n, ['rm', '-f', '/root/bench/ours.bin', '/root/bench/ssh.bin', '/root/bench/scp.bin']);

    // Three nodes at once vs one node (same code path, fresh files).
    const targets = await Promise.all(nodes.map(connect));
    let three: number;
    let one: number;
    try {
      one = await timed(() => targets[0]!.upload(file, '/root/bench/multi.bin', { sha256: sha, resume: false }));
      await execInNode(n1, ['rm', '-f', '/root/bench/multi.bin']);
      three = await timed(async () => {
        const res = await uploadToHosts(targets, file, '/root/bench/multi.bin', { sha256: sha, resume: false });
        if (!res.every((r) => r.ok)) throw new Error(`3-node upload failed: ${JSON.stringify(res.map((r) => r.error))}`);
      });
    } finally {
      await Promise.all(targets.map((x) => x.close()));
    }
    for (const n of nodes) await execInNode(n, ['rm', '-f', '/root/bench/multi.bin']);

    // Cut at 50 %, then resume.
    const remote = '/root/bench/resume.bin';
    const tc = await connect(n1);
    let cutAt = 0;
    let cut: Promise<void> | undefined;
    let firstSent = 0;
    try {
      await tc.upload(file, remote, {
        sha256: sha,
        onProgress: (done) => {
          if (!cut && done >= SIZE / 2) {
            cutAt = done;
            cut = cutSession(n1, '.resume.bin.part');
          }
        },
      });
      throw new Error('the upload was not cut');
    } catch (e) {
      if (!isApplianceError(e) || e.code !== 'UNREACHABLE') throw e;
      firstSent = Number(e.details?.bytesSent ?? 0);
    } finally {
      await cut;
      await tc.close();
    }
    const tr = await connect(n1);
    let resumed;
    try {
      resumed = await tr.upload(file, remote, { sha256: sha });
    } finally {
      await tr.close();
    }
    await execInNode(n1, ['rm', '-rf', '/root/bench']);
    const resentBytes = firstSent + resumed.sentBytes - SIZE;

    const m = { ours: median(ours), oursTransfer: median(oursTransfer), oursWhileWriting: median(oursWhileWriting), sshCat: median(sshCat), scp: median(scp) };
    const mbps = (s: number) => round(SIZE / s / 1e6, 0);
    return {
      fileBytes: SIZE,
      cipher: { requested: CIPHER, negotiatedBySsh2: negotiated },
      seconds: m,
      mbPerSecond: { ours: mbps(m.ours), oursTransferOnly: mbps(m.oursTransfer), oursWhileWriting: mbps(m.oursWhileWriting), sshCat: mbps(m.sshCat), scp: mbps(m.scp) },
      ratioVsSshCat: round(m.sshCat / m.ours),
      ratioVsSshCatWhileWriting: round(m.sshCat / m.oursWhileWriting),
      ratioVsSshCatTransferOnly: round(m.sshCat / m.oursTransfer),
      ratioVsScp: round(m.scp / m.ours),
      ratioVsScpTransferOnly: round(m.scp / m.oursTransfer),
      goals: { vsSshCat: 1.0, vsScp: 1.3, resentPercent: 1 },
      threeNodes: { oneNodeSeconds: round(one), threeNodesSeconds: round(three), ratio: round(three / one) },
      resume: { cutAtBytes: cutAt, sentBeforeCut: firstSent, resumedFrom: resumed.resumedFrom, sentOnResume: resumed.sentBytes, resentBytes, resentPercent: round((resentBytes / SIZE) * 100, 4), digestOk: resumed.sha256 === sha },
      runs: { ours, oursTransfer, oursWhileWriting, sshCat, scp },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    if (!wasUp) await labDown({ name: LAB });
  }
}
