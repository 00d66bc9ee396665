/**
 * The rendered single-server project against the real tools, on a docker node of this file's own
 * lab ("hc" + the run's suffix, 1 node): `docker compose config` (the .env quoting round-trips
 * hostile secrets through Compose v2), promtool check config/rules in the demo Prometheus image,
 * nginx -t of the installer's nginx config in the demo nginx image, bash -n of the backup scripts,
 * systemd-analyze verify of the units; then `docker compose up -d --wait` of the demo stack with
 * a throwaway certificate, HTTPS through the proxy (TLS 1.2+ only), every Prometheus target up and
 * the rules loaded, a backup through the systemd service and the restore test (which also
 * catches a live table that no longer matches the dump).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labStatus, type LabNode } from '../../electron/engine/lab/index.js';
import { DEMO_STACK, demoInput } from '../../electron/engine/install/render/demo-stack.fixture.js';
import { renderComposeProject, stackDirectories, stackPaths, type ComposeRenderInput, type RenderedStackFile } from '../../electron/engine/install/render/index.js';
import { ensureLab } from '../support/ensure-lab.js';
import { nodeExec, sshArgs, testLabName } from './support/lab.js';
import { waitFor as waitUntil } from '../support/wait-for.js';
import { DEMO_IMAGE_REFS } from '../support/demo-images.js';

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs?: number): Promise<T> => waitUntil(what, fn, timeoutMs, 2000);

const NAME = testLabName('hc');
const REPO = resolve(import.meta.dirname, '../..');
const IMAGES = join(REPO, 'bundles/out/images');
const FQDN = 'demo.hospital.local';
const API = 'api.demo.hospital.local';
const REFS = DEMO_IMAGE_REFS;
/**
 * The running stack's secrets: `#`, `$`, spaces and quotes where the images take them. The
 * PostgreSQL exporter 0.11 builds a DSN from DB_PASSWORD and refuses spaces, # and quotes in
 * it, so that one is plain (generated secrets are); JWT_SECRET, unused by the demo images, is
 * hostile and checked inside a container.
 */
const SECRETS = {
  DB_PASSWORD: 'Db-Pass_7f3a.9c',
  REDIS_PASSWORD: `it's $HOME # "q"`,
  JWT_SECRET: `j"w't \\ $x \${DB_PASSWORD} #`,
  ADMIN_PASSWORD: 'a long admin passphrase',
};
/** Quotes, backslashes and a trailing backslash through .env into compose config (not started). */
const HOSTILE = {
  DB_PASSWORD: `db pass #1 $x "q" 'y' \\z`,
  REDIS_PASSWORD: `ends with backslash $5\\`,
  JWT_SECRET: `'leading quote and \${REDIS_PASSWORD}`,
  ADMIN_PASSWORD: '#hash first',
};

const canRun = process.platform === 'linux' && process.getuid?.() === 0;

let node: LabNode;
let startedLab = false;
let certDir: string;
let input: ComposeRenderInput;
let files: RenderedStackFile[];

const sh = (script: string, args: string[] = [], opts: { input?: string | Buffer; reject?: boolean; timeoutMs?: number } = {}) => nodeExec(node, ['bash', '-c', script, 'bash', ...args], opts);
const compose = (argv: string[], opts: { input?: string; reject?: boolean; timeoutMs?: number } = {}) => nodeExec(node, ['docker', 'compose', '--project-directory', '/opt/demo', ...argv], opts);

/** Writes a file on the node like the install steps will: temp + rename, mode, parent folder. */
async function put(path: string, content: string | Buffer, mode: string): Promise<void> {
  await sh('install -d -m 0755 "$(dirname "$1")" && umask 077 && cat > "$1.tmp" && chmod "$2" "$1.tmp" && mv -f "$1.tmp" "$1"', [path, mode], { input: content });
}

async function writeProject(inp: ComposeRenderInput, rendered: RenderedStackFile[]): Promise<void> {
  for (const d of stackDirectories(inp)) await nodeExec(node, ['install', '-d', '-m', d.mode, d.path]);
  for (const f of rendered) await put(f.path, f.content, f.mode);
}

/** `docker compose config --format json` prints a Compose file again, so literal dollars come back doubled. */
const unescapeDollars = (v: string) => v.replace(/\$\$/g, '$');

async function promQuery(query: string): Promise<string> {
  return (await compose(['exec', '-T', 'monitoring', 'promtool', 'query', 'instant', 'http://localhost:9090', query])).stdout;
}


async function cleanup(): Promise<void> {
  await compose(['down', '-v', '-t', '5'], { reject: false, timeoutMs: 180_000 });
  await sh('systemctl disable --now demo-backup.timer; rm -f /etc/systemd/system/demo-backup.*; systemctl daemon-reload; rm -rf /opt/demo /opt/hostile /data/demo /data/backups/demo', [], { reject: false });
}

describe.skipIf(!canRun)('install render: the rendered Compose project on a real docker node (own lab)', () => {
  beforeAll(async () => {
    if (!existsSync(join(IMAGES, 'nginx.tar'))) {
      await execa(process.execPath, [join(REPO, 'bin/tsx.js'), join(REPO, 'scripts/build-demo-bundle.ts')], { cwd: REPO, stdio: 'inherit', timeout: 1_500_000 });
    }
    startedLab = (await ensureLab({ name: NAME, nodes: 1, profile: 'docker' })).started;
    node = (await labStatus({ name: NAME })).nodes[0]!;
    await cleanup();
    // Only the images this node lacks (a reused lab keeps them: vfs makes loading slow).
    for (const [name, ref] of Object.entries(REFS)) {
      if ((await nodeExec(node, ['docker', 'image', 'inspect', ref], { reject: false })).exitCode === 0) continue;
      const r = await execa('ssh', [...sshArgs(node), 'docker', 'load'], { inputFile: join(IMAGES, `${name}.tar`), reject: false, timeout: 600_000 });
      expect(r.exitCode, String(r.stderr)).toBe(0);
    }
    certDir = await mkdtemp(join(tmpdir(), 'install-render-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', `/CN=${FQDN}`, '-addext', `subjectAltName=DNS:${FQDN},DNS:${API}`,
      '-keyout', join(certDir, 'tls.key'), '-out', join(certDir, 'tls.crt'),
    ], { stdio: 'ignore' });

    const stack = structuredClone(DEMO_STACK);
    // An env value the app ignores, to read the hostile JWT_SECRET back from inside a container.
    stack.roles.app.env = { ...stack.roles.app.env, JWT_CHECK: '${JWT_SECRET}' };
    input = demoInput(SECRETS, { stack, vars: { address: node.address } });
    files = renderComposeProject(input);
    await writeProject(input, files);
    const p = stackPaths(input.vars);
    await put(p.tlsCert, readFileSync(join(certDir, 'tls.crt')), '0644');
    await put(p.tlsKey, readFileSync(join(certDir, 'tls.key')), '0600');
  }, 1_800_000);

  afterAll(async () => {
    if (node) await cleanup();
    if (startedLab && process.env.KEEP_LAB !== '1') await labDown({ name: NAME });
    if (certDir) await rm(certDir, { recursive: true, force: true });
  }, 600_000);

  it('docker compose config accepts the project; .env values come through exactly, hostile ones too', async () => {
    expect((await compose(['config', '-q'])).exitCode).toBe(0);
    const cfg = JSON.parse((await compose(['config', '--format', 'json'])).stdout) as { name: string; services: Record<string, { environment: Record<string, string> }>; networks: Record<string, { internal?: boolean }> };
    expect(cfg.name).toBe('demo');
    expect(cfg.networks.backend!.internal).toBe(true);
    expect(unescapeDollars(cfg.services.cache!.environment.REDIS_PASSWORD!)).toBe(SECRETS.REDIS_PASSWORD);
    expect(unescapeDollars(cfg.services.app!.environment.JWT_CHECK!)).toBe(SECRETS.JWT_SECRET);

    // Another project folder with the hostile secrets (config only, never started).
    const hostile = demoInput(HOSTILE, { vars: { stackDir: '/opt/hostile', address: node.address } });
    const hostileFiles = renderComposeProject(hostile);
    for (const f of hostileFiles) if (f.path.startsWith('/opt/hostile/')) await put(f.path, f.content, f.mode);
    const h = JSON.parse((await nodeExec(node, ['docker', 'compose', '--project-directory', '/opt/hostile', 'config', '--format', 'json'])).stdout) as typeof cfg;
    expect(unescapeDollars(h.services.database!.environment.POSTGRES_PASSWORD!)).toBe(HOSTILE.DB_PASSWORD);
    expect(unescapeDollars(h.services.cache!.environment.REDIS_PASSWORD!)).toBe(HOSTILE.REDIS_PASSWORD);
    expect(unescapeDollars(h.services['postgres-exporter']!.environment.DATA_SOURCE_PASS!)).toBe(HOSTILE.DB_PASSWORD);
    // .env is 0600 root.
    expect((await nodeExec(node, ['stat', '-c', '%a %U', '/opt/demo/.env'])).stdout.trim()).toBe('600 root');
  });

  it('promtool accepts prometheus.yml (with its rule files) and the alert rules', async () => {
    const mounts = ['-v', '/opt/demo/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro', '-v', '/opt/demo/monitoring/rules:/etc/prometheus/rules:ro'];
    const config = await nodeExec(node, ['docker', 'run', '--rm', '--entrypoint', 'promtool', ...mounts, REFS.prometheus!, 'check', 'config', '/etc/prometheus/prometheus.yml']);
    expect(config.stdout).toMatch(/SUCCESS: 9 rules found/);
    const rules = await nodeExec(node, ['docker', 'run', '--rm', '--entrypoint', 'promtool', ...mounts, REFS.prometheus!, 'check', 'rules', '/etc/prometheus/rules/alerts.rules.yml']);
    expect(rules.stdout).toContain('SUCCESS: 9 rules found');
  });

  it('nginx -t accepts the installer nginx config (when a declaration mounts it) with the site certificate', async () => {
    const withConfig = demoInput(SECRETS, { vars: { stackDir: '/opt/hostile', address: node.address } });
    (withConfig.stack.roles.proxy as { configPath?: string }).configPath = '/etc/nginx/conf.d/default.conf';
    const conf = renderComposeProject(withConfig).find((f) => f.path === '/opt/hostile/nginx/default.conf')!;
    await put(conf.path, conf.content, conf.mode);
    const r = await nodeExec(node, ['docker', 'run', '--rm', '--entrypoint', 'nginx', '-v', `${conf.path}:/etc/nginx/conf.d/default.conf:ro`, '-v', '/opt/demo/tls:/etc/nginx/tls:ro', REFS.nginx!, '-t'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('test is successful');
  });

  it('bash -n passes the scripts and systemd-analyze verify the backup units', async () => {
    for (const s of ['/opt/demo/backup/backup.sh', '/opt/demo/backup/restore-test.sh']) expect((await nodeExec(node, ['bash', '-n', s])).exitCode).toBe(0);
    const v = await nodeExec(node, ['systemd-analyze', 'verify', '/etc/systemd/system/demo-backup.service', '/etc/systemd/system/demo-backup.timer'], { reject: false });
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stderr).not.toMatch(/demo-backup/);
  });

  it('docker compose up -d --wait brings every service up healthy; HTTPS answers through the proxy with TLS 1.2+ only', async () => {
    const up = await compose(['up', '-d', '--wait'], { reject: false, timeoutMs: 600_000 });
    expect(up.exitCode, up.stderr + (await compose(['ps', '-a'], { reject: false })).stdout).toBe(0);
    const ps = (await compose(['ps', '--format', 'json'])).stdout;
    const states = ps.trim().startsWith('[') ? (JSON.parse(ps) as { Service: string; Health: string }[]) : ps.trim().split('\n').map((l) => JSON.parse(l) as { Service: string; Health: string });
    expect(states.map((s) => s.Service).sort()).toEqual(['app', 'cache', 'database', 'monitoring', 'node-exporter', 'postgres-exporter', 'proxy', 'redis-exporter']);
    for (const s of states) expect(s.Health, s.Service).toBe('healthy');
    // The hostile secret reached the app's environment byte for byte.
    expect((await compose(['exec', '-T', 'app', 'printenv', 'JWT_CHECK'])).stdout).toBe(`${SECRETS.JWT_SECRET}\n`);

    const ca = join(certDir, 'tls.crt');
    const curl = (args: string[]) => execa('curl', ['-sS', '--max-time', '10', '--cacert', ca, '--resolve', `${FQDN}:443:${node.address}`, '--resolve', `${API}:443:${node.address}`, ...args], { reject: false });
    const ready = await curl(['-w', '\n%{http_code}', `https://${FQDN}/health/ready`]);
    expect(ready.stdout.split('\n').pop()).toBe('200');
    expect(JSON.parse(ready.stdout.split('\n')[0]!)).toMatchObject({ status: 'ready' });
    expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', `https://${API}/api/info`])).stdout).toBe('200');
    expect((await curl(['--tls-max', '1.1', `https://${FQDN}/health`])).exitCode).not.toBe(0);
    // Nothing but the proxy is published.
    const published = (await nodeExec(node, ['docker', 'ps', '--format', '{{.Names}} {{.Ports}}'])).stdout.split('\n').filter((l) => l.includes('->'));
    expect(published.map((l) => l.split(' ')[0])).toEqual(['demo-proxy-1']);
  }, 900_000);

  it('Prometheus scrapes every target up and has the rules loaded', async () => {
    await waitFor('every target up', async () => {
      const out = await promQuery('up');
      const lines = out.split('\n').filter((l) => l.startsWith('up{'));
      return lines.length === 5 && lines.every((l) => / => 1 @/.test(l)) ? lines : undefined;
    });
    expect(await promQuery('sum(prometheus_rule_group_rules)')).toMatch(/=> 9 @/);
    // The data filesystem is seen by the node exporter (disk alerts watch it).
    expect(await promQuery('node_filesystem_avail_bytes{mountpoint="/data"}')).toMatch(/mountpoint="\/data"/);
  });

  it('backs up through the systemd service (sha256, pg_restore-readable) and the restore test passes, then catches a changed table', async () => {
    const migrate = await compose(['run', '--rm', '-T', 'app', 'migrate'], { timeoutMs: 180_000 });
    expect(migrate.stdout).toMatch(/applied migration|up to date/);
    await nodeExec(node, ['systemctl', 'daemon-reload']);
    await nodeExec(node, ['systemctl', 'enable', '--now', 'demo-backup.timer']);
    expect((await nodeExec(node, ['systemctl', 'is-active', 'demo-backup.timer'])).stdout.trim()).toBe('active');
    // An old dump the retention must remove.
    await sh('touch -d "40 days ago" /data/backups/demo/hospital-20000101T000000Z.dump /data/backups/demo/hospital-20000101T000000Z.dump.sha256');
    const run = await nodeExec(node, ['systemctl', 'start', 'demo-backup.service'], { reject: false, timeoutMs: 300_000 });
    const journal = (await nodeExec(node, ['journalctl', '-u', 'demo-backup.service', '--no-pager', '-o', 'cat'])).stdout;
    expect(run.exitCode, journal).toBe(0);
    expect(journal).toMatch(/backup: \/data\/backups\/demo\/hospital-\d{8}T\d{6}Z\.dump \d+ bytes sha256 [0-9a-f]{64}/);
    expect(journal).toContain('removed hospital-20000101T000000Z.dump');
    const listing = (await nodeExec(node, ['ls', '/data/backups/demo'])).stdout.trim().split('\n');
    expect(listing.filter((f) => f.endsWith('.dump'))).toHaveLength(1);
    expect((await sh('cd /data/backups/demo && sha256sum -c ./*.sha256')).stdout).toMatch(/: OK$/m);
    expect((await nodeExec(node, ['stat', '-c', '%a', '/data/backups/demo'])).stdout.trim()).toBe('700');

    const ok = await nodeExec(node, ['/opt/demo/backup/restore-test.sh', '/opt/demo/backup/backup.conf'], { reject: false, timeoutMs: 300_000 });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/restore-test: passed: .* restored with 3 tables and \d+ rows/);
    // The scratch database is gone afterwards.
    const dbs = await compose(['exec', '-T', 'database', 'psql', '-h', '127.0.0.1', '-U', 'hospital', '-d', 'postgres', '-Atc', 'SELECT datname FROM pg_database']);
    expect(dbs.stdout).not.toContain('airgap_restore_test');

    await compose(['exec', '-T', 'database', 'psql', '-h', '127.0.0.1', '-U', 'hospital', '-d', 'hospital', '-c', "INSERT INTO patients (mrn, full_name, ward, bed) VALUES ('MRN-X', 'After Backup', 'W', 'B1')"]);
    const bad = await nodeExec(node, ['/opt/demo/backup/restore-test.sh', '/opt/demo/backup/backup.conf'], { reject: false, timeoutMs: 300_000 });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/public\.patients/);
    expect(bad.stderr).toContain('restore-test: FAILED');
  }, 900_000);

  it('serves HTTPS through the installer nginx config too, when the declaration mounts it (demo image with its entrypoint bypassed)', async () => {
    const stack = structuredClone(DEMO_STACK);
    stack.roles.app.env = { ...stack.roles.app.env, JWT_CHECK: '${JWT_SECRET}' };
    // The demo entrypoint renders its own config only for `nginx ...`; a full path runs nginx as is.
    (stack.roles.proxy as { configPath?: string }).configPath = '/etc/nginx/conf.d/default.conf';
    stack.roles.proxy.command = ['/usr/sbin/nginx', '-g', 'daemon off;'];
    const withConfig = demoInput(SECRETS, { stack, vars: { address: node.address } });
    await writeProject(withConfig, renderComposeProject(withConfig));
    const up = await compose(['up', '-d', '--wait'], { reject: false, timeoutMs: 300_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const mounted = await compose(['exec', '-T', 'proxy', 'cat', '/etc/nginx/conf.d/default.conf']);
    expect(mounted.stdout).toContain('rendered by the Airgap Appliance installer');
    const ca = join(certDir, 'tls.crt');
    const r = await execa('curl', ['-sS', '--max-time', '10', '--cacert', ca, '--resolve', `${FQDN}:443:${node.address}`, '-w', '\n%{http_code}', `https://${FQDN}/api/patients`], { reject: false });
    expect(r.stdout.split('\n').pop()).toBe('200');
    expect(r.stdout).toContain('MRN-100231');
    const old = await execa('curl', ['-sS', '--max-time', '10', '--tls-max', '1.1', '--cacert', ca, '--resolve', `${FQDN}:443:${node.address}`, `https://${FQDN}/health`], { reject: false });
    expect(old.exitCode).not.toBe(0);
    const plain = await execa('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `${FQDN}:80:${node.address}`, `http://${FQDN}/api/patients`], { reject: false });
    expect(plain.stdout).toBe('301');
  }, 600_000);
});
