// Upload of a 1 GiB random file to lab nodes (lab "bench", 3 nodes, no docker), against the
// standard tools in the same run and with the same cipher (aes128-gcm@openssh.com, which is
// also what ssh2 negotiates first on CPUs with AES-NI; the bench prints what was negotiated).
// Runs are interleaved (ours, ssh cat, scp, ...) and each figure is the median of RUNS:
// - one node: SshTarget.upload, verified (sha256 on the node after writing, the default) vs
//   `ssh node 'cat > f' < file` (goal >= 1.0) and vs `scp` (SFTP protocol; goal >= 1.3);
//   also hashing while writing (tee into the hash) and the streaming phase alone.
// - three nodes at once (uploadToHosts, one shared read of the file) vs one node (goal < 1.5).
// - peak RSS of the whole CLI process (`appliance targets upload`, 1 GiB to one node; goal
//   < 150 MB), and of `targets test` on the same site (no upload: opening the site, whose
//   scrypt passphrase KDF alone takes 128 MiB), so the upload's share is visible.
// - a cut at 50 % (the node's sshd session killed), then resume: bytes sent twice (goal < 1 %).
// Key figures at the top level: verifiedVsSshCat, verifiedVsScp, threeNodesVsOne, peakRssMB.
// The load average is recorded: on a shared machine compare only within one run.
// Brings the lab up if it is down and takes it down again only then (the probe bench shares it).
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { isApplianceError } from '../../electron/engine/errors.js';
import { execInNode, labDown, labStatus, type LabNode } from '../../electron/engine/lab/index.js';
import { SshTarget, uploadToHosts } from '../../electron/engine/targets/index.js';
import { ensureLab } from '../support/ensure-lab.js';
import { testLabName } from '../support/lab-name.js';

// Shared by the probe and upload benches; suffixed like every test lab (see lab-name.ts).
const LAB = testLabName('bench');
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

/**
 * Peak RSS (VmHWM, read as the process exits) of the real CLI uploading `file` to node1, and of
 * `targets test` on the same site: the difference is what the upload adds.
 */
async function cliPeakRss(tmp: string, file: string): Promise<{ uploadMB: number; targetsTestMB: number }> {
  const site = join(tmp, 'rss-site');
  const report = join(tmp, 'vmhwm');
  const env = { APPLIANCE_PASSPHRASE: 'upload bench passphrase', NO_COLOR: '1' };
  const cli = (args: string[]) => execa('node', ['--import', hwmPreload(report), 'bin/appliance.js', ...args], { env });
  await execa('node', ['bin/appliance.js', 'site', 'init', site, '--name', 'Bench', '--topology', 'single', '--from-lab', '--lab-name', LAB], { env });
  const mb = () => round(Number(readFileSync(report, 'utf8')) / 1024, 0);
  await cli(['targets', 'test', '--site', site]);
  const targetsTestMB = mb();
  await cli(['targets', 'upload', '--site', site, '--no-resume', '--json', file, '/root/bench/rss.bin']);
  return { uploadMB: mb(), targetsTestMB };
}

const hwmPreload = (report: string) =>
  `data:text/javascript,import{readFileSync as r,writeFileSync as w}from'node:fs';process.on('exit',()=>w(${JSON.stringify(report)},r('/proc/self/status','utf8').match(/VmHWM:\\s+(\\d+)/)[1]))`;

export default async function run(): Promise<Record<string, unknown>> {
  const loadStart = round(loadavg()[0]!, 2);
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

    // Three nodes at once vs one node (same code path, fresh files), interleaved, median of RUNS.
    const targets = await Promise.all(nodes.map(connect));
    const oneNode: number[] = [];
    const threeNodes: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        oneNode.push(await timed(() => targets[0]!.upload(file, '/root/bench/multi.bin', { sha256: sha, resume: false })));
        for (const n of nodes) await execInNode(n, ['rm', '-f', '/root/bench/multi.bin']);
        threeNodes.push(
          await timed(async () => {
            const res = await uploadToHosts(targets, file, '/root/bench/multi.bin', { sha256: sha, resume: false });
            if (!res.every((r) => r.ok)) throw new Error(`3-node upload failed: ${JSON.stringify(res.map((r) => r.error))}`);
          }),
        );
        for (const n of nodes) await execInNode(n, ['rm', '-f', '/root/bench/multi.bin']);
      }
    } finally {
      await Promise.all(targets.map((x) => x.close()));
    }

    const rss = await cliPeakRss(tmp, file);

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
    for (const n of nodes) await execInNode(n, ['rm', '-rf', '/root/bench']);
    const resentBytes = firstSent + resumed.sentBytes - SIZE;

    const m = { ours: median(ours), oursTransfer: median(oursTransfer), oursWhileWriting: median(oursWhileWriting), sshCat: median(sshCat), scp: median(scp), oneNode: median(oneNode), threeNodes: median(threeNodes) };
    const mbps = (s: number) => round(SIZE / s / 1e6, 0);
    return {
      verifiedVsSshCat: round(m.sshCat / m.ours),
      verifiedVsScp: round(m.scp / m.ours),
      threeNodesVsOne: round(m.threeNodes / m.oneNode),
      peakRssMB: rss.uploadMB,
      goals: { verifiedVsSshCat: 1.0, verifiedVsScp: 1.3, threeNodesVsOne: 1.5, peakRssMB: 150, resentPercent: 1 },
      loadAverage: { start: loadStart, end: round(loadavg()[0]!, 2) },
      fileBytes: SIZE,
      cipher: { requested: CIPHER, negotiatedBySsh2: negotiated },
      seconds: m,
      mbPerSecond: { ours: mbps(m.ours), oursTransferOnly: mbps(m.oursTransfer), oursWhileWriting: mbps(m.oursWhileWriting), sshCat: mbps(m.sshCat), scp: mbps(m.scp) },
      whileWritingVsSshCat: round(m.sshCat / m.oursWhileWriting),
      transferOnlyVsSshCat: round(m.sshCat / m.oursTransfer),
      transferOnlyVsScp: round(m.scp / m.oursTransfer),
      rss,
      resume: { cutAtBytes: cutAt, sentBeforeCut: firstSent, resumedFrom: resumed.resumedFrom, sentOnResume: resumed.sentBytes, resentBytes, resentPercent: round((resentBytes / SIZE) * 100, 4), digestOk: resumed.sha256 === sha },
      runs: { ours, oursTransfer, oursWhileWriting, sshCat, scp, oneNode, threeNodes },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    if (!wasUp) await labDown({ name: LAB });
  }
}
