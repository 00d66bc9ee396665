import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApplianceError } from '../../electron/engine/errors.js';
import { fileAuditSink, scanHostKey, SshTarget, type SshTargetOptions } from '../../electron/engine/targets/index.js';
import { describeWithLab, nodeExec, testLab, type LabNode } from './support/lab.js';
import { failure } from '../support/failure.js';

describeWithLab('SSH targets against lab nodes', () => {
  let node: LabNode;
  let node2: LabNode;
  let tmp: string;
  const opts = (n: LabNode, over: Partial<SshTargetOptions> = {}): SshTargetOptions => ({
    name: n.name,
    address: n.address,
    port: n.sshPort,
    user: 'root',
    auth: 'key',
    keyPath: n.keyPath,
    hostKey: n.hostKeyFingerprint,
    connectTimeoutMs: 8_000,
    ...over,
  });

  beforeAll(async () => {
    const lab = await testLab();
    node = lab.nodes[0]!;
    node2 = lab.nodes[1]!;
    tmp = mkdtempSync(join(tmpdir(), 'targets-it-'));
    // The engineer account gets a password for these tests; /etc/shadow is restored afterwards.
    await nodeExec(node, ['cp', '-p', '/etc/shadow', '/root/.shadow.targets-test']);
    await nodeExec(node, ['sh', '-c', 'echo "engineer:Eng-Pass-4711" | chpasswd']);
  });
  afterAll(async () => {
    await nodeExec(node, ['sh', '-c', 'cp -p /root/.shadow.targets-test /etc/shadow && rm -f /root/.shadow.targets-test /etc/sudoers.d/engineer-test'], { reject: false });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs argv with awkward arguments exactly as given (quoted for the remote shell)', async () => {
    const t = await SshTarget.connect(opts(node));
    try {
      const args = ['a b', "it's", '$HOME', '`id`', 'line1\nline2', '', 'Süd 病院', '*', ';rm -rf /tmp/x', '\\'];
      const r = await t.exec(['printf', '%s\\0', ...args]);
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
      expect(t.negotiated?.serverHostKey).toBe('ssh-ed25519');
    } finally {
      await t.close();
    }
  });

  it('never loses the exit status of very short commands (output, exit and close in one read)', async () => {
    const t = await SshTarget.connect(opts(node));
    try {
      // Before the fix about 1 in 30 of these failed with "connection lost while the command ran".
      for (let i = 0; i < 150; i++) {
        const r = await t.exec(['true']);
        expect(r.exitCode).toBe(0);
      }
      const outs = await Promise.all(Array.from({ length: 30 }, (_, i) => t.exec(['echo', String(i)])));
      expect(outs.map((o) => o.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    } finally {
      await t.close();
    }
  });

  it('sends scripts on stdin to sh -s with args; a failing command is FAILED naming the host', async () => {
    const t = await SshTarget.connect(opts(node));
    try {
      const r = await t.exec({ script: 'echo "args: $# [$1] [$2]"; hostname', args: ['x y', "q'uote"], label: 'demo' });
      expect(r.stdout).toBe(`args: 2 [x y] [q'uote]\n${node.name}\n`);
      const e = await failure(() => t.exec(['sh', '-c', 'echo boom >&2; exit 3']));
      expect(e.code).toBe('FAILED');
      expect(e.message).toMatch(new RegExp(`^command failed on ${node.name} \\(exit 3\\): .*boom$`));
      const soft = await t.exec(['sh', '-c', 'exit 4'], { allowFailure: true });
      expect(soft.exitCode).toBe(4);
      const slow = await failure(() => t.exec(['sleep', '20'], { timeoutMs: 500 }));
      expect(slow.code).toBe('FAILED');
      expect(slow.message).toMatch(/did not finish within 1 s and was stopped: sleep 20/);
      expect((await t.exec(['echo', 'still usable'])).stdout).toBe('still usable\n');
    } finally {
      await t.close();
    }
  });

  it('audits every command without stdin contents', async () => {
    const auditPath = join(tmp, 'audit.ndjson');
    const t = await SshTarget.connect(opts(node, { audit: fileAuditSink(auditPath) }));
    try {
      await t.exec(['cat'], { stdin: 'stdin-payload-never-logged' });
      await t.exec({ script: 'exit 0', label: 'probe-x' });
      await t.exec(['false'], { allowFailure: true });
    } finally {
      await t.close();
    }
    const lines = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.host, l.argv, l.exitCode])).toEqual([
      [node.name, ['cat'], 0],
      [node.name, ['sh', '-s', '--'], 0],
      [node.name, ['false'], 1],
    ]);
    expect(lines[1].script.label).toBe('probe-x');
    expect(readFileSync(auditPath, 'utf8')).not.toContain('stdin-payload-never-logged');
  });

  it('refuses first contact with an unpinned host key, carrying the presented fingerprint', async () => {
    const e = await failure(() => SshTarget.connect(opts(node, { hostKey: undefined })));
    expect(e.code).toBe('PERMISSION');
    expect(e.details).toMatchObject({ hostKey: 'unpinned', presented: node.hostKeyFingerprint });
    expect(e.message).toContain(`--accept-host-key ${node.hostKeyFingerprint}`);
    // A scan reads the same key without authenticating.
    expect(await scanHostKey({ address: node.address, port: node.sshPort })).toEqual({ fingerprint: node.hostKeyFingerprint, keyType: 'ssh-ed25519' });
  });

  it('a wrong key is PERMISSION naming user, address and the method tried', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp, 'wrong_key')]);
    const e = await failure(() => SshTarget.connect(opts(node, { keyPath: join(tmp, 'wrong_key') })));
    expect(e.code).toBe('PERMISSION');
    expect(e.message).toMatch(new RegExp(`^authentication failed for root@${node.address.replace(/\./g, '\\.')} \\(tried: publickey\\)`));
  });

  it('password login works; a wrong password is PERMISSION and never appears in the message', async () => {
    const t = await SshTarget.connect(opts(node, { user: 'engineer', auth: 'password', keyPath: undefined, password: 'Eng-Pass-4711' }));
    try {
      expect((await t.exec(['id', '-un'])).stdout.trim()).toBe('engineer');
    } finally {
      await t.close();
    }
    const e = await failure(() => SshTarget.connect(opts(node, { user: 'engineer', auth: 'password', keyPath: undefined, password: 'Wrong-Pass-0815' })));
    expect(e.code).toBe('PERMISSION');
    expect(e.message).toMatch(new RegExp(`^authentication failed for engineer@${node.address.replace(/\./g, '\\.')} \\(tried: password, keyboard-interactive\\)`));
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('Wrong-Pass-0815');
  });

  it('an address without a node is UNREACHABLE within the connect timeout, which the message names', async () => {
    const prefix = node.address.split('.').slice(0, 3).join('.');
    const e = await failure(() => SshTarget.connect(opts(node, { name: 'ghost', address: `${prefix}.99`, connectTimeoutMs: 1_500 })));
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toMatch(/ghost \(.*\.99:22\)/);
    expect(e.message).toMatch(/connect timeout of 1\.5 s|no route to/);
  });

  it('sudo: refused without a sudoers entry (PERMISSION naming the user), NOPASSWD, and password on stdin', async () => {
    const eng = () => SshTarget.connect(opts(node, { user: 'engineer', auth: 'password', keyPath: undefined, password: 'Eng-Pass-4711' }));
    // Lab nodes put engineer in group sudo (like a fresh Ubuntu admin); out of it, sudo must refuse.
    await nodeExec(node, ['gpasswd', '-d', 'engineer', 'sudo']);
    let t = await eng();
    try {
      const e = await failure(() => t.exec(['id', '-u'], { sudo: true }));
      expect(e.code).toBe('PERMISSION');
      expect(e.message).toMatch(new RegExp(`^sudo refused for user engineer on ${node.name}: .*not in the sudoers file`));
    } finally {
      await t.close();
      await nodeExec(node, ['gpasswd', '-a', 'engineer', 'sudo']);
    }
    // sudo that asks for the password: fed on stdin, followed by the command's own stdin.
    await nodeExec(node, ['sh', '-c', 'echo "engineer ALL=(ALL) ALL" > /etc/sudoers.d/engineer-test && chmod 0440 /etc/sudoers.d/engineer-test']);
    const auditPath = join(tmp, 'sudo-audit.ndjson');
    t = await SshTarget.connect(opts(node, { user: 'engineer', auth: 'password', keyPath: undefined, password: 'Eng-Pass-4711', audit: fileAuditSink(auditPath) }));
    try {
      expect(await t.sudoMode()).toBe('password');
      expect((await t.exec(['id', '-u'], { sudo: true })).stdout.trim()).toBe('0');
      expect((await t.exec(['cat'], { sudo: true, stdin: 'data after the password\n' })).stdout).toBe('data after the password\n');
      expect((await t.exec({ script: 'id -u; echo "$1"', args: ['arg1'] }, { sudo: true })).stdout).toBe('0\narg1\n');
      const ps = await t.exec(['sh', '-c', 'ps -eo args'], { sudo: true });
      expect(ps.stdout).not.toContain('Eng-Pass-4711');
    } finally {
      await t.close();
    }
    expect(readFileSync(auditPath, 'utf8')).not.toContain('Eng-Pass-4711');
    await nodeExec(node, ['sh', '-c', 'echo "engineer ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/engineer-test']);
    t = await SshTarget.connect(opts(node, { user: 'engineer', auth: 'key' }));
    try {
      expect(await t.sudoMode()).toBe('nopasswd');
      expect((await t.exec(['id', '-u'], { sudo: true })).stdout.trim()).toBe('0');
    } finally {
      await t.close();
      await nodeExec(node, ['rm', '-f', '/etc/sudoers.d/engineer-test']);
    }
  });

  it('a changed host key after pinning is a hard INTEGRITY error naming both fingerprints', async () => {
    const key = '/etc/ssh/ssh_host_ed25519_key';
    await nodeExec(node2, ['sh', '-c', `cp -p ${key} /root/.hostkey.bak && cp -p ${key}.pub /root/.hostkey.pub.bak`]);
    try {
      await nodeExec(node2, ['sh', '-c', `rm -f ${key} ${key}.pub && ssh-keygen -q -t ed25519 -N '' -f ${key} && kill -HUP $(cat /run/sshd.pid)`]);
      const fresh = (await nodeExec(node2, ['ssh-keygen', '-l', '-E', 'sha256', '-f', `${key}.pub`])).stdout.split(' ')[1]!;
      expect(fresh).not.toBe(node2.hostKeyFingerprint);
      let e: ApplianceError | undefined;
      for (let i = 0; i < 20 && !e?.message.includes(fresh); i++) {
        e = await failure(() => SshTarget.connect(opts(node2)));
        if (!e.message.includes(fresh)) await new Promise((r) => setTimeout(r, 250)); // sshd re-exec after HUP
      }
      expect(e!.code).toBe('INTEGRITY');
      expect(e!.message).toContain(`pinned ${node2.hostKeyFingerprint}, presented ${fresh}`);
      expect(e!.details).toMatchObject({ hostKey: 'changed', pinned: node2.hostKeyFingerprint, presented: fresh });
    } finally {
      await nodeExec(node2, ['sh', '-c', `cp -p /root/.hostkey.bak ${key} && cp -p /root/.hostkey.pub.bak ${key}.pub && rm -f /root/.hostkey.bak /root/.hostkey.pub.bak && kill -HUP $(cat /run/sshd.pid)`]);
    }
    // Restored: the pinned key is accepted again (other tests share this lab).
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      try {
        const t = await SshTarget.connect(opts(node2));
        await t.close();
        ok = true;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(ok).toBe(true);
  });
});
