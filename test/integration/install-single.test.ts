/**
 * The single-server install for real: a verified demo bundle onto a bare systemd lab node
 * (own segmented lab, node in the App segment behind the router; this machine is the hospital
 * side and the installer). The CLI runs as a child process, so it can be killed with SIGKILL
 * mid-transfer and mid-`docker load`; the node's link is dropped mid-transfer; each time
 * `--resume` finishes the job. Then what a user sees is checked on the node (HTTPS through the
 * hosts file and the site CA, readiness, backup + restore test, Prometheus, sshd), a re-run
 * changes nothing, the journal never repeats a finished step, and no generated secret shows up
 * anywhere but secrets.enc and the stack's .env. A second node with a tiny /data is refused by
 * the preflight with sizes named, and nothing on it changes.
 */
import { readFile, readdir, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceEvent } from '../../electron/engine/events/index.js';
import { installSite } from '../../electron/engine/install/index.js';
import { readJournal, type JournalEntry } from '../../electron/engine/install/journal.js';
import { labDown, labStatus, labUp, type LabNode, type LabStatus } from '../../electron/engine/lab/index.js';
import { readSecrets } from '../../electron/engine/site/index.js';
import { DEMO_BUNDLE as BUNDLE, DEMO_PUBKEY as PUBKEY, REPO, makeInstallSite } from '../support/install-lab-site.js';
import { sshFingerprint } from '../../electron/engine/targets/index.js';
import { defaultTrustDirs } from '../../electron/engine/bundle/index.js';
import { testLabName } from '../support/lab-name.js';
import { waitFor } from '../support/wait-for.js';
import { nodeExec } from './support/lab.js';

const NAME = testLabName('ins');
const PASS = 'install-test-passphrase-1';
const STAGING = '/data/airgap-appliance/staging';
const canRun = process.platform === 'linux' && process.getuid?.() === 0;
if (!canRun && process.env.LAB_REQUIRED === '1') throw new Error('LAB_REQUIRED=1 but the install tests need root on Linux (own lab)');

let lab: LabStatus;
let node: LabNode;
let small: LabNode;
let work: string;
let siteDir: string;
let smallSite: string;
let passFile: string;
let cacheDir: string;
/** Everything every CLI run printed: scanned for secrets at the end. */
const outputs: string[] = [];

/** CLI runs still going (killed in afterAll if a test fails half-way, so no run keeps the lock). */
const running = new Set<ResultPromise<{ reject: false; all: true; env: Record<string, string> }>>();

function cli(args: string[], site = siteDir): ResultPromise<{ reject: false; all: true; env: Record<string, string> }> {
  const p = execa(process.execPath, [join(REPO, 'bin/appliance.js'), 'install', '--site', site, '--passphrase-file', passFile, '--trust', PUBKEY, '--verbose', ...args], {
    cwd: REPO,
    reject: false,
    all: true,
    // The verify cache of this test (a fresh HOME would also do): the CLI's trust and cache dirs.
    env: { APPLIANCE_DATA_DIR: cacheDir, NO_COLOR: '1' },
  });
  running.add(p);
  void p.finally(() => running.delete(p));
  return p;
}

async function finished(p: ResultPromise<{ reject: false; all: true; env: Record<string, string> }>) {
  const r = await p;
  outputs.push(String(r.all ?? ''));
  return r;
}


/** Size of the part file an upload is growing on the node, or 0. */
async function partBytes(): Promise<number> {
  const r = await nodeExec(node, ['sh', '-c', `find ${STAGING} -maxdepth 1 -name '.*.part' -printf '%s\\n' 2>/dev/null | sort -n | tail -n 1`], { reject: false });
  return Number(r.stdout.trim() || 0);
}

/** A listing of what an install could touch on a node: paths, sizes, modes. */
async function nodeListing(n: LabNode): Promise<string> {
  const r = await nodeExec(n, ['sh', '-c', 'find /etc /opt /data /usr/local /var/lib/airgap-appliance -xdev -printf "%p %s %m\\n" 2>/dev/null | grep -v "^/etc/ld.so.cache" | sort'], { reject: false });
  return r.stdout;
}

function passwordLogin(n: LabNode, user: string, password: string): Promise<'ok' | 'refused'> {
  const c = new ssh2.Client();
  return new Promise((resolve, reject) => {
    c.on('ready', () => (c.end(), resolve('ok')));
    c.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)));
    c.on('error', (e: Error & { level?: string }) => (e.level === 'client-authentication' ? resolve('refused') : reject(e)));
    c.connect({ host: n.address, port: n.sshPort, username: user, password, tryKeyboard: true, readyTimeout: 15_000, hostVerifier: (key: Buffer) => sshFingerprint(key) === n.hostKeyFingerprint });
  });
}

(canRun ? describe : describe.skip)(`single-server install from a bare node (own lab ${NAME})`, () => {
  beforeAll(async () => {
    // Cached after the first build: checks the bundle matches its spec and the engine (a stale one has no stack).
    await execa(process.execPath, [join(REPO, 'bin/tsx.js'), join(REPO, 'scripts/build-demo-bundle.ts')], { cwd: REPO, stdio: 'inherit', timeout: 1_500_000 });
    work = await mkdtemp(join(tmpdir(), 'install-single-'));
    cacheDir = join(work, 'app-data');
    passFile = join(work, 'passphrase');
    await writeFile(passFile, PASS + '\n', { mode: 0o600 });
    await execa(process.execPath, [join(REPO, 'bin/appliance.js'), 'bundle', 'verify', BUNDLE, '--trust', PUBKEY], { cwd: REPO, env: { APPLIANCE_DATA_DIR: cacheDir } });
    await labDown({ name: NAME }).catch(() => undefined);
    await labUp({ name: NAME, nodes: 2, nodeSegments: { node1: 'app', node2: 'app' }, dataSize: '6G', nodeDataSizes: { node2: '200M' } });
    lab = await labStatus({ name: NAME });
    [node, small] = [lab.nodes[0]!, lab.nodes[1]!];
    siteDir = join(work, 'site');
    smallSite = join(work, 'small-site');
    await makeInstallSite({ dir: siteDir, lab, node, passphrase: PASS, passFile });
    await makeInstallSite({ dir: smallSite, lab, node: small, passphrase: PASS, passFile });
    // A root password, so "root cannot log in with a password" is tested with the right one.
    await nodeExec(node, ['chpasswd'], { input: `root:${PASS}-root\n` });
  }, 1_800_000);

  afterAll(async () => {
    for (const p of running) p.kill('SIGKILL');
    if (process.env.KEEP_LAB !== '1') await labDown({ name: NAME }).catch(() => undefined);
    if (work && process.env.KEEP_LAB !== '1') await rm(work, { recursive: true, force: true });
  }, 300_000);

  it('refuses a data filesystem too small for the images, naming the sizes, and changes nothing on the node', async () => {
    const before = await nodeListing(small);
    const r = await finished(cli(['--bundle', BUNDLE], smallSite));
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('Preflight failed: nothing was changed on any host.');
    expect(r.all).toMatch(/Data filesystem|room|space/i);
    expect(r.all).toMatch(/\d+(\.\d+)? ?(MiB|MB|GiB|GB)/);
    expect(await nodeListing(small)).toBe(before);
  }, 300_000);

  it('kill -9 during the image transfer, then a dropped link, then --resume sends only what is missing', async () => {
    const first = cli(['--bundle', BUNDLE]);
    await waitFor('an image part file of 20 MB on the node', async () => (await partBytes()) > 20e6, 600_000, 300);
    first.kill('SIGKILL');
    const killed = await finished(first);
    expect(killed.signal).toBe('SIGKILL');
    // A resume without --resume is refused, naming the interrupted run.
    const refused = await finished(cli([]));
    expect(refused.exitCode).not.toBe(0);
    expect(refused.all).toMatch(/was interrupted.*--resume/s);

    const second = cli(['--resume']);
    const start = await partBytes();
    await waitFor('the resumed part file to grow by 20 MB', async () => (await partBytes()) > start + 20e6 || (await partBytes()) === 0, 600_000, 300);
    // The node's cable: its veth end sits in the lab router's namespace (segmented lab).
    const link = (state: 'up' | 'down') => execa('ip', ['-n', `${NAME}-rtr`, 'link', 'set', `labv1-${NAME}`, state]);
    await link('down');
    const dropped = await finished(second).finally(() => link('up'));
    expect(dropped.exitCode).not.toBe(0);
    const partAtDrop = await partBytes();

    // Resume until docker load runs, then kill that run too.
    const third = cli(['--resume']);
    let sawLoad = false;
    await waitFor(
      'docker load on the node',
      async () => {
        const r = await nodeExec(node, ['pgrep', '-f', 'docker load'], { reject: false });
        sawLoad = r.exitCode === 0;
        return sawLoad || third.exitCode !== null;
      },
      900_000,
      300,
    );
    third.kill('SIGKILL');
    const out = String((await finished(third)).all);
    expect(sawLoad).toBe(true);
    // The image that was cut off resumed where the node's part file stood: under 1 % sent again.
    const resumed = [...out.matchAll(/sent (\d+) bytes, resumed at byte (\d+) of (\d+)/g)].map((m) => ({ sent: +m[1]!, at: +m[2]!, size: +m[3]! }));
    const cut = resumed.find((x) => x.at > 0);
    if (partAtDrop > 0) {
      expect(cut, out).toBeDefined();
      expect(partAtDrop - cut!.at).toBeLessThan(cut!.size * 0.01);
    }
    // Every image went through staging in this run: resumed, or sent once from byte 0.
    expect(resumed.length + (out.match(/already staged/g) ?? []).length).toBe(8);
  }, 2_400_000);

  it('resumes to a healthy stack, journaled without repeating a finished step', async () => {
    const events: ApplianceEvent[] = [];
    const r = await installSite({
      dir: siteDir,
      passphrase: PASS,
      trustDirs: defaultTrustDirs({ resourcesDir: REPO, dataDir: cacheDir }),
      trust: [PUBKEY],
      cacheDir,
      resume: true,
      task: 'install',
      signal: new AbortController().signal,
      onEvent: (e) => events.push(e),
    });
    outputs.push(JSON.stringify(events), JSON.stringify(r));
    expect(r.preflight.ok).toBe(true);
    expect(r.run?.state, r.run?.summary).toBe('done');

    const entries = await readJournal(join(siteDir, 'journal.ndjson'));
    const completed = new Set<string>();
    for (const e of entries as JournalEntry[]) {
      if (e.type === 'intent') expect(completed.has(`${e.host}/${e.step}`), `${e.step} repeated after it completed`).toBe(false);
      if (e.type === 'outcome' && e.outcome === 'changed') completed.add(`${e.host}/${e.step}`);
    }
    expect(completed.size).toBeGreaterThan(15);
  }, 2_400_000);

  it('serves the app over HTTPS by its name with the site certificate, backs up, monitors, and is hardened', async () => {
    const run = (argv: string[]) => nodeExec(node, argv, { reject: false, timeoutMs: 60_000 });
    for (const path of ['/', '/health/ready']) {
      const c = await run(['curl', '-sS', '--cacert', '/opt/demo/tls/ca.crt', '-o', '/dev/null', '-w', '%{http_code}', `https://hospital-erp.local${path}`]);
      expect(c.stdout, c.stderr).toBe('200');
    }
    expect((await run(['getent', 'hosts', 'hospital-erp.local'])).stdout).toContain(node.address);
    const ready = await run(['curl', '-sS', '--cacert', '/opt/demo/tls/ca.crt', 'https://hospital-erp.local/health/ready']);
    expect(JSON.parse(ready.stdout)).toMatchObject({ status: 'ready' });
    const dumps = (await run(['sh', '-c', 'ls /data/backups/demo/*.dump /data/backups/demo/*.dump.sha256 /data/backups/demo/.restore-test-passed'])).stdout;
    expect(dumps).toMatch(/\.dump\n.*\.dump\.sha256/s);
    const q = (expr: string) => run(['docker', 'compose', '-p', 'demo', '--project-directory', '/opt/demo', '-f', '/opt/demo/compose.yaml', 'exec', '-T', 'monitoring', 'promtool', 'query', 'instant', '-o', 'json', 'http://127.0.0.1:9090', expr]);
    const up = JSON.parse((await q('up')).stdout) as { metric: { job: string }; value: [number, string] }[];
    expect(up.length).toBeGreaterThanOrEqual(5);
    expect(up.filter((t) => t.value[1] !== '1')).toEqual([]);
    expect(Number(JSON.parse((await q('sum(prometheus_rule_group_rules)')).stdout)[0].value[1])).toBeGreaterThanOrEqual(8);
    const sshd = (await run(['sshd', '-T'])).stdout;
    for (const line of ['permitrootlogin no', 'passwordauthentication no', 'maxauthtries 3']) expect(sshd).toContain(line);
    expect(await passwordLogin(node, 'root', `${PASS}-root`)).toBe('refused');
    expect((await run(['fail2ban-client', 'status', 'sshd'])).stdout).toContain('sshd');
    expect((await run(['stat', '-c', '%a %U', '/opt/demo/.env'])).stdout.trim()).toBe('600 root');
  }, 300_000);

  it('a second run changes nothing and says so', async () => {
    const r = await finished(cli(['--json']));
    expect(r.exitCode, r.all).toBe(0);
    const report = JSON.parse(r.stdout) as { run: { steps: { outcome: string }[]; summary: string } };
    expect(report.run.steps.filter((s) => s.outcome !== 'ok')).toEqual([]);
    expect(report.run.summary).toMatch(/^No changes: all \d+ steps on 1 host were already done\.$/);
  }, 600_000);

  it('no generated secret appears in the journal, the audit log, CLI output, events, or any file but secrets.enc and the .env', async () => {
    const all = await readSecrets(siteDir, PASS);
    const values = Object.entries(all).filter(([k]) => k.startsWith('stack.demo.')).map(([, v]) => v);
    expect(values.length).toBe(4);
    const siteFiles = (await readdir(siteDir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile() && d.name !== 'secrets.enc').map((d) => join(d.parentPath, d.name));
    const texts = [...outputs, ...(await Promise.all(siteFiles.map((f) => readFile(f, 'latin1'))))];
    for (const v of values) for (const t of texts) expect(t.includes(v)).toBe(false);
    // On the node: everything but the .env and Docker's own state (container configs carry their env; root-only).
    const found = await nodeExec(node, ['sh', '-c', 'grep -rlF -f - /etc /opt /home /root /var /data /tmp /usr/local --exclude-dir=docker --exclude-dir=containerd 2>/dev/null || true'], { input: values.join('\n') + '\n' });
    expect(found.stdout.split('\n').filter(Boolean)).toEqual(['/opt/demo/.env']);
  }, 300_000);
});
