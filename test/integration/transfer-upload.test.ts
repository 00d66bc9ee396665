import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import { LocalTarget, SshTarget, uploadToHosts, type SshTargetOptions } from '../../electron/engine/targets/index.js';
import { describeWithLab, nodeExec, testLab, type LabNode } from './support/lab.js';
import { failure } from '../support/failure.js';

const MiB = 1024 * 1024;
const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

describeWithLab('upload to lab nodes', () => {
  let nodes: LabNode[];
  let tmp: string;
  let small: string; // 24 MiB
  let smallSha: string;
  let big: string; // 128 MiB
  let bigSha: string;
  const connect = (n: LabNode, over: Partial<SshTargetOptions> = {}) =>
    SshTarget.connect({ name: n.name, address: n.address, port: n.sshPort, user: 'root', auth: 'key', keyPath: n.keyPath, hostKey: n.hostKeyFingerprint, ...over });
  const remoteSha = async (n: LabNode, path: string) => (await nodeExec(n, ['sha256sum', path])).stdout.split(' ')[0];
  const remoteExists = async (n: LabNode, path: string) => (await nodeExec(n, ['test', '-e', path], { reject: false })).exitCode === 0;

  beforeAll(async () => {
    nodes = (await testLab()).nodes;
    tmp = mkdtempSync(join(tmpdir(), 'transfer-it-'));
    const a = randomBytes(24 * MiB);
    small = join(tmp, 'small.bin');
    writeFileSync(small, a);
    smallSha = sha256(a);
    const b = randomBytes(128 * MiB);
    big = join(tmp, 'big.bin');
    writeFileSync(big, b);
    bigSha = sha256(b);
    for (const n of nodes) await nodeExec(n, ['rm', '-rf', '/root/xfer', '/tmp/xfer-eng']);
  });
  afterAll(async () => {
    for (const n of nodes) await nodeExec(n, ['sh', '-c', 'umount /mnt/xfer-small 2>/dev/null; rm -rf /root/xfer /tmp/xfer-eng /mnt/xfer-small /opt/xfer-sudo; rm -f /etc/sudoers.d/xfer-test'], { reject: false });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('uploads via a part file, verifies sha256 on the node, renames, and skips a second identical upload', async () => {
    const t = await connect(nodes[0]!);
    const events: ApplianceEvent[] = [];
    try {
      const r = await t.upload(small, '/root/xfer/dir/small.bin', { onEvent: (e) => events.push(e), task: 't1' });
      expect(r).toMatchObject({ size: 24 * MiB, sha256: smallSha, resumedFrom: 0, sentBytes: 24 * MiB, alreadyPresent: false });
      expect(await remoteSha(nodes[0]!, '/root/xfer/dir/small.bin')).toBe(smallSha);
      expect(await remoteExists(nodes[0]!, '/root/xfer/dir/.small.bin.part')).toBe(false);
      const last = events.filter((e) => e.type === 'progress').at(-1);
      expect(last).toMatchObject({ type: 'progress', task: 't1', done: 24 * MiB, total: 24 * MiB, unit: 'bytes' });
      const again = await t.upload(small, '/root/xfer/dir/small.bin', { sha256: `sha256:${smallSha}` });
      expect(again).toMatchObject({ alreadyPresent: true, sentBytes: 0 });
      // Hashing while writing (tee | sha256sum) gives the same verified result.
      const w = await t.upload(small, '/root/xfer/dir/small2.bin', { remoteHash: 'while-writing', mode: '0640' });
      expect(w.sha256).toBe(smallSha);
      expect((await nodeExec(nodes[0]!, ['stat', '-c', '%a %s', '/root/xfer/dir/small2.bin'])).stdout.trim()).toBe(`640 ${24 * MiB}`);
    } finally {
      await t.close();
    }
  });

  it('a digest mismatch is INTEGRITY, deletes the part file and leaves no final file', async () => {
    const t = await connect(nodes[0]!);
    try {
      const wrong = 'ab'.repeat(32);
      const e = await failure(() => t.upload(small, '/root/xfer/mismatch.bin', { sha256: wrong }));
      expect(e.code).toBe('INTEGRITY');
      expect(e.message).toContain(`sha256 ${smallSha} but expected ${wrong}`);
      expect(await remoteExists(nodes[0]!, '/root/xfer/.mismatch.bin.part')).toBe(false);
      expect(await remoteExists(nodes[0]!, '/root/xfer/mismatch.bin')).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('a connection killed mid-upload is UNREACHABLE "run again to resume"; the next upload resumes to the right digest', async () => {
    const n = nodes[1]!;
    await nodeExec(n, ['install', '-d', '-o', 'engineer', '/tmp/xfer-eng']);
    const remote = '/tmp/xfer-eng/big.bin';
    const t = await connect(n, { user: 'engineer' });
    let killed = false;
    const killSession = async () => {
      // Walk up from the shell writing our part file to its sshd processes and kill them.
      // Stops at sshd's listener, which must stay up.
      await nodeExec(n, ['sh', '-c', 'p=$(pgrep -f "xfer-eng/.big.bin.part" | head -1); while [ -n "$p" ] && [ "$p" != 1 ]; do grep -q listener /proc/$p/cmdline && break; c=$(cat /proc/$p/comm); pp=$(awk \'{print $4}\' /proc/$p/stat); [ "$c" = sshd ] && kill -9 $p; p=$pp; done']);
    };
    let kill: Promise<void> | undefined;
    const e = await failure(() =>
      t.upload(big, remote, {
        onProgress: (done) => {
          if (!killed && done > 16 * MiB) {
            killed = true;
            kill = killSession();
          }
        },
      }),
    );
    await kill;
    await t.close();
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toMatch(new RegExp(`^connection to ${n.name} lost during upload of big\\.bin after \\d+ MiB; run again to resume$`));
    const partSize = Number((await nodeExec(n, ['stat', '-c', '%s', '/tmp/xfer-eng/.big.bin.part'])).stdout);
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThan(128 * MiB);

    const t2 = await connect(n, { user: 'engineer' });
    try {
      const r = await t2.upload(big, remote);
      expect(r.resumedFrom).toBe(partSize);
      expect(r.sentBytes).toBe(128 * MiB - partSize);
      expect(r.sha256).toBe(bigSha);
      expect(await remoteSha(n, remote)).toBe(bigSha);
    } finally {
      await t2.close();
    }
  });

  it('remote disk full: RESOURCE naming host, path and free space, before sending when it cannot fit, and while writing', async () => {
    const n = nodes[2]!;
    await nodeExec(n, ['sh', '-c', 'mkdir -p /mnt/xfer-small && mount -t tmpfs -o size=40m tmpfs /mnt/xfer-small']);
    const t = await connect(n);
    try {
      // Cannot fit: refused before a byte is sent.
      const pre = await failure(() => t.upload(big, '/mnt/xfer-small/big.bin'));
      expect(pre.code).toBe('RESOURCE');
      expect(pre.message).toMatch(new RegExp(`^${n.name}: not enough space for big\\.bin in /mnt/xfer-small: needs 128 MiB, \\d+ MiB free`));
      // Fits at the start, but something else fills the disk while we write.
      let filled: Promise<unknown> | undefined;
      const during = await failure(() =>
        t.upload(small, '/mnt/xfer-small/small.bin', {
          onProgress: (done) => {
            if (!filled && done > 0) filled = nodeExec(n, ['sh', '-c', 'dd if=/dev/zero of=/mnt/xfer-small/filler bs=1M count=30 2>/dev/null; true']);
          },
        }),
      );
      await filled;
      expect({ code: during.code, message: during.message }).toMatchObject({ code: 'RESOURCE' });
      expect(during.message, during.message).toMatch(new RegExp(`^${n.name}: disk full while writing /mnt/xfer-small/small\\.bin \\(after .* MiB of 24 MiB; [\\d.]+ MiB free in /mnt/xfer-small\\)`));
      expect(await remoteExists(n, '/mnt/xfer-small/.small.bin.part')).toBe(false);
    } finally {
      await t.close();
      await nodeExec(n, ['sh', '-c', 'umount /mnt/xfer-small && rmdir /mnt/xfer-small']);
    }
  });

  it('sudo upload into a root-owned folder with the password fed on stdin before the data', async () => {
    const n = nodes[0]!;
    await nodeExec(n, ['sh', '-c', 'cp -p /etc/shadow /root/.shadow.xfer && echo "engineer:Xfer-Pass-2024" | chpasswd && echo "engineer ALL=(ALL) ALL" > /etc/sudoers.d/xfer-test && chmod 440 /etc/sudoers.d/xfer-test']);
    try {
      const t = await connect(n, { user: 'engineer', auth: 'password', keyPath: undefined, password: 'Xfer-Pass-2024' });
      try {
        const r = await t.upload(small, '/opt/xfer-sudo/small.bin', { sudo: true, sha256: smallSha });
        expect(r.sha256).toBe(smallSha);
        expect((await nodeExec(n, ['stat', '-c', '%U %s', '/opt/xfer-sudo/small.bin'])).stdout.trim()).toBe(`root ${24 * MiB}`);
        expect(await remoteSha(n, '/opt/xfer-sudo/small.bin')).toBe(smallSha);
      } finally {
        await t.close();
      }
    } finally {
      await nodeExec(n, ['sh', '-c', 'cp -p /root/.shadow.xfer /etc/shadow; rm -f /root/.shadow.xfer /etc/sudoers.d/xfer-test; rm -rf /opt/xfer-sudo']);
    }
  });

  it('uploads to three nodes at once', async () => {
    const targets = await Promise.all(nodes.map((n) => connect(n)));
    try {
      const results = await uploadToHosts(targets, small, '/root/xfer/multi.bin');
      expect(results.map((r) => [r.host, r.ok, r.result?.sha256])).toEqual(nodes.map((n) => [n.name, true, smallSha]));
      for (const n of nodes) expect(await remoteSha(n, '/root/xfer/multi.bin')).toBe(smallSha);
    } finally {
      await Promise.all(targets.map((t) => t.close()));
    }
  });

  it('three nodes at once with one resuming and one already done: each gets the file, the fresh ones from one shared read', async () => {
    const [n1, n2, n3] = nodes as [LabNode, LabNode, LabNode];
    await nodeExec(n1, ['sh', '-c', `mkdir -p /root/xfer && head -c ${5 * MiB} > /root/xfer/.mixed.bin.part`], { input: readFileSync(small) });
    const targets = await Promise.all(nodes.map((n) => connect(n)));
    try {
      await targets[1]!.upload(small, '/root/xfer/mixed.bin');
      const results = await uploadToHosts(targets, small, '/root/xfer/mixed.bin');
      expect(results.map((r) => [r.host, r.ok, r.result?.sha256, r.result?.resumedFrom, r.result?.alreadyPresent])).toEqual([
        [n1.name, true, smallSha, 5 * MiB, false],
        [n2.name, true, smallSha, 24 * MiB, true],
        [n3.name, true, smallSha, 0, false],
      ]);
      for (const n of nodes) expect(await remoteSha(n, '/root/xfer/mixed.bin')).toBe(smallSha);
    } finally {
      await Promise.all(targets.map((t) => t.close()));
    }
  });

  it('cancel (AbortSignal) mid-upload is CANCELLED at once, keeps the part file, and the next upload resumes from it', async () => {
    const n = nodes[2]!;
    const t = await connect(n);
    try {
      const ac = new AbortController();
      const onProgress = (done: number) => {
        if (done > 16 * MiB) ac.abort();
      };
      const e = await failure(() => t.upload(big, '/root/xfer/cancel.bin', { signal: ac.signal, onProgress }));
      expect(e.code).toBe('CANCELLED');
      const partSize = Number((await nodeExec(n, ['stat', '-c', '%s', '/root/xfer/.cancel.bin.part'])).stdout);
      expect(partSize).toBeGreaterThan(0);
      expect(partSize).toBeLessThan(128 * MiB);
      const r = await t.upload(big, '/root/xfer/cancel.bin');
      expect(r).toMatchObject({ resumedFrom: partSize, sha256: bigSha });
    } finally {
      await t.close();
    }
  });

  it("a 1 GiB upload's memory does not grow with the file: the uploading process's peak RSS grows by less than 64 MB", async () => {
    // A sparse 1 GiB file reads as fast as the page cache allows, so a transfer that reads
    // ahead of the channel (ignores backpressure) or leaves a fresh buffer per chunk to the GC
    // shows as RSS. A separate process, so the figure is the upload's and not the test runner's.
    const n = nodes[0]!;
    const file = join(tmp, 'sparse-1g.bin');
    writeFileSync(file, '');
    truncateSync(file, 1024 * MiB);
    const script = `
      import { readFileSync } from 'node:fs';
      import { SshTarget } from './electron/engine/targets/index.ts';
      const hwm = () => Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+)/)[1]) / 1024;
      const [address, port, keyPath, hostKey, file] = process.argv.slice(1);
      const t = await SshTarget.connect({ name: 'node', address, port: Number(port), user: 'root', auth: 'key', keyPath, hostKey });
      const before = hwm();
      const r = await t.upload(file, '/root/xfer/mem/sparse.bin', { resume: false });
      await t.close();
      process.stdout.write(JSON.stringify({ before, peak: hwm(), sentBytes: r.sentBytes }));
    `;
    const run = await execa('node', ['--import', 'tsx', '--input-type=module', '-e', script, n.address, String(n.sshPort), n.keyPath, n.hostKeyFingerprint, file], { reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    const m = JSON.parse(run.stdout) as { before: number; peak: number; sentBytes: number };
    expect(m.sentBytes).toBe(1024 * MiB);
    // The upload adds a bounded amount (two 1 MiB chunks, ssh2's packets until the GC takes
    // them: about 40 MB for 64 MiB and for 1 GiB alike), not a share of the file; reading ahead
    // of the channel took 150 MB more. The whole process's figure (about 150 MB, a third of it
    // tsx's loader) is not asserted here: the bench reports the CLI's (upload.peakRssMB).
    expect(m.peak - m.before, JSON.stringify(m)).toBeLessThan(64);
    await nodeExec(n, ['rm', '-rf', '/root/xfer/mem']);
    rmSync(file);
  });

  it('LocalTarget: the same semantics as a local copy, including resume from a part file', async () => {
    const t = new LocalTarget();
    const dest = join(tmp, 'local-dest', 'copy.bin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(tmp, 'local-dest'));
    writeFileSync(join(tmp, 'local-dest', '.copy.bin.part'), readFileSync(small).subarray(0, 5 * MiB));
    const r = await t.upload(small, dest);
    expect(r).toMatchObject({ resumedFrom: 5 * MiB, sentBytes: 19 * MiB, sha256: smallSha });
    expect(sha256(readFileSync(dest))).toBe(smallSha);
    expect(existsSync(join(tmp, 'local-dest', '.copy.bin.part'))).toBe(false);
    const e = await failure(() => t.upload(small, join(tmp, 'local-dest', 'bad.bin'), { sha256: '00'.repeat(32) }));
    expect(e.code).toBe('INTEGRITY');
    expect(existsSync(join(tmp, 'local-dest', '.bad.bin.part'))).toBe(false);
    const back = join(tmp, 'downloaded.bin');
    await t.download(dest, back);
    expect(statSync(back).size).toBe(24 * MiB);
  });
});
