import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithLab, nodeExec, testLab, type LabStatus } from './support/lab.js';

const PASSPHRASE = 'site-cli passphrase 2024';
const HOST_PASSWORD = 'Node2-Login-Pw-771';

/** Runs the real CLI (`node bin/appliance.js ...`). */
function appliance(args: string[], opts: { input?: string; passphrase?: string } = {}) {
  return execa('node', ['bin/appliance.js', ...args], {
    reject: false,
    input: opts.input ?? '',
    env: { APPLIANCE_PASSPHRASE: opts.passphrase ?? PASSPHRASE, NO_COLOR: '1' },
  });
}

describeWithLab('site and targets CLI against the lab', () => {
  let lab: LabStatus;
  let tmp: string;
  let dir: string;
  const outputs: string[] = [];
  const run = async (args: string[], opts: { input?: string; passphrase?: string } = {}) => {
    const r = await appliance(args, opts);
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    lab = await testLab();
    tmp = mkdtempSync(join(tmpdir(), 'site-cli-'));
    dir = join(tmp, 'site');
    const n2 = lab.nodes[1]!;
    await nodeExec(n2, ['cp', '-p', '/etc/shadow', '/root/.shadow.site-cli']);
    await nodeExec(n2, ['sh', '-c', `echo "engineer:${HOST_PASSWORD}" | chpasswd && echo "engineer ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/site-cli && chmod 440 /etc/sudoers.d/site-cli`]);
  });
  afterAll(async () => {
    await nodeExec(lab.nodes[1]!, ['sh', '-c', 'cp -p /root/.shadow.site-cli /etc/shadow; rm -f /root/.shadow.site-cli /etc/sudoers.d/site-cli; gpasswd -a engineer sudo >/dev/null'], { reject: false });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('site init --from-lab pins every node and creates the folder layout', async () => {
    const r = await run(['site', 'init', dir, '--name', 'St. Lab Hospital', '--topology', 'k3s-3', '--from-lab', '--lab-name', lab.name, '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.hosts.map((h: { name: string; hostKey: string }) => [h.name, h.hostKey])).toEqual(lab.nodes.map((n) => [n.name, n.hostKeyFingerprint]));
    expect(readdirSync(dir).sort()).toEqual(['audit.ndjson', 'checks', 'diagnostics', 'journal.ndjson', 'pki', 'reports', 'secrets.enc', 'site.yaml']);
  });

  it('add-host with a password pins only an equal fingerprint; targets test checks every host', async () => {
    const n2 = lab.nodes[1]!;
    const wrongFp = 'SHA256:' + 'A'.repeat(43);
    const bad = await run(['site', 'add-host', dir, 'node2', '--replace', '--address', n2.address, '--user', 'engineer', '--password-stdin', '--accept-host-key', wrongFp], { input: HOST_PASSWORD + '\n' });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain(`presents ${n2.hostKeyFingerprint}, not the fingerprint given (${wrongFp}); nothing was pinned`);
    // --replace dropped the old pin, and the wrong one was not pinned.
    expect(readFileSync(join(dir, 'site.yaml'), 'utf8')).not.toContain(wrongFp);

    const ok = await run(['site', 'add-host', dir, 'node2', '--replace', '--address', n2.address, '--user', 'engineer', '--password-stdin', '--accept-host-key', n2.hostKeyFingerprint, '--json'], { input: HOST_PASSWORD + '\n' });
    expect(ok.exitCode).toBe(0);
    const host = JSON.parse(ok.stdout).hosts.find((h: { name: string }) => h.name === 'node2');
    expect(host).toMatchObject({ user: 'engineer', auth: 'password', hostKey: n2.hostKeyFingerprint });

    const t = await run(['targets', 'test', '--site', dir, '--json']);
    expect({ exit: t.exitCode, out: t.exitCode ? t.stdout : '' }).toEqual({ exit: 0, out: '' });
    const report = JSON.parse(t.stdout);
    expect(report.ok).toBe(true);
    expect(report.results.map((x: { host: string; sudo: { mode: string } }) => [x.host, x.sudo.mode])).toEqual([
      ['node1', 'root'],
      ['node2', 'nopasswd'],
      ['node3', 'root'],
    ]);
    const human = await run(['targets', 'test', '--site', dir]);
    expect(human.exitCode).toBe(0);
    expect(human.stdout.split('\n').filter((l) => /^node\d/.test(l))).toHaveLength(3);
  });

  it('targets test exits non-zero and says why when sudo is refused or a host is unreachable', async () => {
    // engineer is in the sudo group with its password on lab nodes: take both away to see a refusal.
    await nodeExec(lab.nodes[1]!, ['sh', '-c', 'rm -f /etc/sudoers.d/site-cli && gpasswd -d engineer sudo >/dev/null']);
    const prefix = lab.nodes[0]!.address.split('.').slice(0, 3).join('.');
    const add = await run(['site', 'add-host', dir, 'ghost', '--address', `${prefix}.99`, '--user', 'root', '--agent', '--role', 'mgmt']);
    expect(add.exitCode).toBe(0);
    const r = await run(['targets', 'test', '--site', dir, '--timeout', '2']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/node2: sudo refused for user engineer on node2/);
    expect(r.stdout).toMatch(/ghost: no TCP answer from .*\.99:22 within 2 s|ghost: .*no route to host/);
  });

  it('a wrong site passphrase is PERMISSION and changes nothing', async () => {
    const digest = () => createHash('sha256').update(readFileSync(join(dir, 'secrets.enc'))).digest('hex');
    const before = digest();
    const r = await run(['site', 'add-host', dir, 'node9', '--address', '10.0.0.9', '--user', 'u', '--password-stdin'], { input: 'x-password-x\n', passphrase: 'not the passphrase' });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^error: wrong site passphrase/);
    expect(digest()).toBe(before);
    expect(readFileSync(join(dir, 'site.yaml'), 'utf8')).not.toContain('node9');
  });

  it('a broken site.yaml names the line and field', async () => {
    const copy = join(tmp, 'broken');
    await run(['site', 'init', copy, '--name', 'Broken', '--topology', 'single']);
    writeFileSync(join(copy, 'site.yaml'), readFileSync(join(dir, 'site.yaml'), 'utf8').replace(/port: 22\n(\s+user: engineer)/, 'port: twenty-two\n$1'));
    const r = await run(['site', 'show', copy]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: site\.yaml line \d+: hosts\[1\]\.port: expected a number 1-65535, got "twenty-two"/);
  });

  it('secrets never appear in site.yaml, audit.ndjson, show output or any CLI output', async () => {
    const show = await run(['site', 'show', dir, '--json']);
    expect(show.exitCode).toBe(0);
    expect(JSON.parse(show.stdout).hosts).toHaveLength(4);
    const files = ['site.yaml', 'audit.ndjson', 'secrets.enc'].map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(files[1]!.split('\n').length).toBeGreaterThan(3); // commands were audited
    for (const text of [...files, ...outputs]) {
      expect(text).not.toContain(HOST_PASSWORD);
      expect(text).not.toContain(PASSPHRASE);
    }
  });
});

// No lab needed: these never connect anywhere (issue 8 items 4 and 6).
describe('site CLI refuses what would lose secrets or reach a shell', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'site-cli-refuse-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const bytes = (f: string) => readFileSync(f);

  it('site init in a folder with an earlier secrets.enc but no site.yaml is refused and the file stays byte-identical', async () => {
    const earlier = join(tmp, 'earlier');
    expect((await appliance(['site', 'init', earlier, '--name', 'Earlier', '--topology', 'single'], { passphrase: 'earlier passphrase' })).exitCode).toBe(0);
    rmSync(join(earlier, 'site.yaml'));
    const before = bytes(join(earlier, 'secrets.enc'));
    const r = await appliance(['site', 'init', earlier, '--name', 'Later', '--topology', 'single']);
    expect(r.exitCode).toBe(3); // CONFLICT, like an existing site.yaml
    expect(r.stderr).toMatch(/^error: .*already holds secrets\.enc .*nothing was changed\. Move .*secrets\.enc away or choose another folder; to recover that site, restore its site\.yaml beside it\.$/);
    expect(bytes(join(earlier, 'secrets.enc'))).toEqual(before);
    expect(existsSync(join(earlier, 'site.yaml'))).toBe(false);
  });

  it('two site init processes on one folder at once: exactly one wins, the other is refused', async () => {
    const dir = join(tmp, 'race');
    const [a, b] = await Promise.all([
      appliance(['site', 'init', dir, '--name', 'Race A', '--topology', 'single'], { passphrase: 'race passphrase A' }),
      appliance(['site', 'init', dir, '--name', 'Race B', '--topology', 'single'], { passphrase: 'race passphrase B' }),
    ]);
    expect([a.exitCode, b.exitCode].sort()).toEqual([0, 3]);
    const loser = a.exitCode ? a : b;
    expect(loser.stderr).toMatch(/^error: (.*already holds secrets\.enc|A site already exists at)/);
    const winner = a.exitCode ? 'Race B' : 'Race A';
    expect(readFileSync(join(dir, 'site.yaml'), 'utf8')).toContain(`name: ${winner}`);
    const show = await appliance(['site', 'show', dir, '--json']);
    expect(JSON.parse(show.stdout).name).toBe(winner);
  });

  it('add-host with a shell-command address or user is refused naming the field; nothing runs, site.yaml is unchanged', async () => {
    const dir = join(tmp, 'hosts');
    expect((await appliance(['site', 'init', dir, '--name', 'Hosts', '--topology', 'k3s-3'])).exitCode).toBe(0);
    const yaml = readFileSync(join(dir, 'site.yaml'), 'utf8');
    const marker = `/tmp/x-${randomBytes(6).toString('hex')}`;
    const addr = await appliance(['site', 'add-host', dir, 'node1', '--address', `$(touch ${marker})`, '--user', 'root', '--agent', '--accept-host-key', 'SHA256:' + 'A'.repeat(43)]);
    expect(addr.exitCode).toBe(2);
    expect(addr.stderr).toBe(`error: host node1: address: expected an IP address or host name, got "$(touch ${marker})": "$" cannot appear in a host name (ASCII letters, digits, dashes and dots only; write an international name in its xn-- form)`);
    // No passphrase at all: the wrong field is reported before any secret is asked for.
    const user = await appliance(['site', 'add-host', dir, 'node1', '--address', '10.0.0.1', '--user', 'root;id', '--agent'], { passphrase: '' });
    expect(user.exitCode).toBe(2);
    expect(user.stderr).toMatch(/^error: host node1: user: expected a login user name, got "root;id": ";" cannot appear in a user name/);
    const opt = await appliance(['site', 'add-host', dir, 'node1', '--address', '-oProxyCommand=touch ' + marker, '--user', 'root', '--agent']);
    expect(opt.exitCode).toBe(2);
    expect(opt.stderr).toMatch(/^error: host node1: address: .*starts with "-"/);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(join(dir, 'site.yaml'), 'utf8')).toBe(yaml);
  });

  it('a site.yaml edited by hand with such an address is refused on read, naming the line and field, before any connection', async () => {
    const dir = join(tmp, 'edited');
    mkdirSync(dir);
    const marker = `/tmp/x-${randomBytes(6).toString('hex')}`;
    writeFileSync(join(dir, 'site.yaml'), `schemaVersion: 1\nname: Edited\ntopology: single\nhosts:\n  - name: node1\n    address: "$(touch ${marker})"\n    user: root\n    auth: agent\n`);
    for (const args of [['targets', 'test', '--site', dir], ['site', 'host-key', dir, 'node1']]) {
      const r = await appliance(args);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^error: site\.yaml line 6: hosts\[0\]\.address: expected an IP address or host name, got "\$\(touch \/tmp\/x-[0-9a-f]+\)": "\$" cannot appear in a host name/);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
