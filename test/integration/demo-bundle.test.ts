/**
 * The demo bundle for real: built on this machine (scripts/build-demo-bundle.ts) if missing,
 * verified with `appliance bundle verify`, its docker-archives loaded into a lab node's dockerd
 * over SSH, and the stack run there: PostgreSQL + Redis + the demo app (migration, create-admin,
 * readiness that follows Redis going down and up), the nginx TLS proxy with a certificate made
 * here, and the exporters scraping the real services.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inspectDockerArchive } from '../../electron/engine/bundle-images/index.js';
import { describeWithLab, nodeExec, sshArgs, testLab, type LabNode } from './support/lab.js';
import { waitFor as waitUntil } from '../support/wait-for.js';
import { DEMO_IMAGE_REFS } from '../support/demo-images.js';

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs?: number): Promise<T> => waitUntil(what, fn, timeoutMs, 500);

const REPO = resolve(import.meta.dirname, '../..');
const BUNDLE = join(REPO, 'bundles/out/demo');
const IMAGES = join(REPO, 'bundles/out/images');
const PUBKEY = join(REPO, 'bundles/out/keys/demo.pub.pem');
const NET = 'demo-it';
const SECRETS = '/tmp/demo-it';
const CONTAINERS = ['demo-it-nginx', 'demo-it-app', 'demo-it-pgexp', 'demo-it-redisexp', 'demo-it-nodeexp', 'demo-it-prom', 'demo-it-redis', 'demo-it-pg'];
const APP_PORT = 18080;
const HTTPS_PORT = 18443;
const HTTP_PORT = 18081;
const PG_PASSWORD = 'pg-Demo-Secret-1';
const REDIS_PASSWORD = 'redis "demo" \\secret';
const ADMIN_PASSWORD = 'a long admin passphrase';

const REFS = DEMO_IMAGE_REFS;

let node: LabNode;
let certDir: string;

const docker = (argv: string[], opts: { input?: string; reject?: boolean; timeoutMs?: number } = {}) => nodeExec(node, ['docker', ...argv], opts);


async function waitHealthy(container: string): Promise<void> {
  await waitFor(`${container} to be healthy`, async () => {
    const r = await docker(['inspect', '-f', '{{.State.Health.Status}} {{.State.Running}}', container]);
    const [health, running] = r.stdout.trim().split(' ');
    if (running !== 'true') throw new Error(`${container} stopped: ${(await docker(['logs', '--tail', '20', container], { reject: false })).stderr}`);
    return health === 'healthy' ? true : undefined;
  }, 180_000);
}

async function get(path: string, port = APP_PORT, follow = false): Promise<{ status: number; body: string; url: string }> {
  const res = await fetch(`http://${node.address}:${port}${path}`, { signal: AbortSignal.timeout(10_000), redirect: follow ? 'follow' : 'manual' });
  return { status: res.status, body: await res.text(), url: res.url };
}

/** HTTPS GET that trusts only the certificate made in this test (real chain and name check). */
function getTls(path: string, ca: Buffer): Promise<{ status: number; body: string; protocol: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest({ host: node.address, port: HTTPS_PORT, path, ca, servername: 'demo.hospital.local', timeout: 10_000, agent: false }, (res) => {
      // Read it now: the socket is detached from the response once the body has ended.
      const protocol = (res.socket as TLSSocket).getProtocol() ?? '';
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), protocol }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('TLS request timed out')));
    req.end();
  });
}

const appEnv = ['-e', 'PGHOST=postgres', '-e', 'PGDATABASE=hospital', '-e', 'PGUSER=postgres', '-e', 'PGPASSWORD_FILE=/run/secrets/pg', '-e', 'REDIS_HOST=redis', '-e', 'REDIS_PASSWORD_FILE=/run/secrets/redis', '-v', `${SECRETS}/pg:/run/secrets/pg:ro`, '-v', `${SECRETS}/redis:/run/secrets/redis:ro`];

async function cleanup(): Promise<void> {
  await docker(['rm', '-f', ...CONTAINERS], { reject: false });
  await docker(['network', 'rm', NET], { reject: false });
  await nodeExec(node, ['rm', '-rf', SECRETS], { reject: false });
}

describeWithLab('demo bundle: real images from Debian packages, run on a lab node', () => {
  beforeAll(async () => {
    if (!existsSync(join(BUNDLE, 'manifest.json'))) {
      // The first build takes minutes (debootstrap + apt); later runs reuse the cache.
      await execa(process.execPath, [join(REPO, 'bin/tsx.js'), join(REPO, 'scripts/build-demo-bundle.ts')], { cwd: REPO, stdio: 'inherit', timeout: 1_500_000 });
    }
    node = (await testLab()).nodes[0]!;
    await cleanup();
    certDir = await mkdtemp(join(tmpdir(), 'demo-it-tls-'));
  }, 1_600_000);

  afterAll(async () => {
    if (node) {
      await cleanup();
      await docker(['rmi', '-f', ...Object.values(REFS)], { reject: false });
    }
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('verifies the signed bundle with the demo public key', async () => {
    const r = await execa(process.execPath, [join(REPO, 'bin/appliance.js'), 'bundle', 'verify', BUNDLE, '--trust', PUBKEY, '--full', '--json'], { cwd: REPO, reject: false });
    const report = JSON.parse(String(r.stdout)) as { ok: boolean; signature: { status: string }; artifacts: { kind: string; ref: string; status: string }[] };
    expect(r.exitCode).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.signature.status).toBe('trusted');
    expect(report.artifacts.filter((a) => a.kind === 'image').map((a) => a.ref).sort()).toEqual(Object.values(REFS).sort());
    expect(report.artifacts.some((a) => a.kind === 'chart' && a.ref === 'demo-app-0.1.0')).toBe(true);
  }, 300_000);

  it('every image archive has matching diff_ids, the shared base layer, tini as PID 1 and a healthcheck', async () => {
    const files = (await readdir(IMAGES)).filter((f) => f.endsWith('.tar'));
    expect(files.map((f) => f.replace(/\.tar$/, '')).sort()).toEqual(Object.keys(REFS).sort());
    const bases = new Set<string>();
    for (const f of files) {
      const [img] = await inspectDockerArchive(join(IMAGES, f), { verifyLayers: true });
      expect(img!.repoTags).toEqual([REFS[f.replace(/\.tar$/, '')]]);
      expect(img!.layers).toHaveLength(2);
      bases.add(img!.layers[0]!.diffId!);
      expect(img!.config.config.Entrypoint?.[0]).toBe('/usr/bin/tini');
      expect(img!.config.config.Healthcheck?.Test[0]).toBe('CMD');
    }
    expect(bases.size).toBe(1);
  }, 300_000);

  it('loads every archive into the node dockerd over SSH', async () => {
    for (const name of Object.keys(REFS)) {
      const r = await execa('ssh', [...sshArgs(node), 'docker', 'load'], { inputFile: join(IMAGES, `${name}.tar`), reject: false, timeout: 300_000 });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(String(r.stdout)).toContain(`Loaded image: ${REFS[name]}`);
    }
    const pgUser = (await docker(['image', 'inspect', '-f', '{{.Config.User}}', REFS.prometheus!])).stdout.trim();
    expect(pgUser).toMatch(/^\d+(:\d+)?$/);
  }, 900_000);

  it('runs PostgreSQL and Redis from password files, migrates, creates an admin, and serves ready', async () => {
    await docker(['network', 'create', NET]);
    await nodeExec(node, ['install', '-d', '-m', '0755', SECRETS]);
    await nodeExec(node, ['sh', '-c', 'umask 022; cat > "$1"', 'sh', `${SECRETS}/pg`], { input: PG_PASSWORD + '\n' });
    await nodeExec(node, ['sh', '-c', 'umask 022; cat > "$1"', 'sh', `${SECRETS}/redis`], { input: REDIS_PASSWORD });
    await docker(['run', '-d', '--name', 'demo-it-pg', '--network', NET, '--network-alias', 'postgres', '-e', 'POSTGRES_PASSWORD_FILE=/run/secrets/pg', '-e', 'POSTGRES_DB=hospital', '-v', `${SECRETS}/pg:/run/secrets/pg:ro`, REFS.postgres!]);
    await docker(['run', '-d', '--name', 'demo-it-redis', '--network', NET, '--network-alias', 'redis', '-e', 'REDIS_PASSWORD_FILE=/run/secrets/redis', '-v', `${SECRETS}/redis:/run/secrets/redis:ro`, REFS.redis!]);
    await waitHealthy('demo-it-pg');
    await waitHealthy('demo-it-redis');

    // postgres runs as the postgres user (not root); redis refuses clients without the password.
    const pgUid = (await docker(['exec', 'demo-it-pg', 'id', '-u', 'postgres'])).stdout.trim();
    const top = (await docker(['top', 'demo-it-pg', '-eo', 'pid,uid,comm'])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
    const serverUids = top.filter((cols) => cols[2] === 'postgres').map((cols) => cols[1]);
    expect(serverUids.length).toBeGreaterThan(0);
    expect(new Set(serverUids)).toEqual(new Set([pgUid]));
    expect(pgUid).not.toBe('0');
    const noAuth = await docker(['exec', 'demo-it-redis', 'redis-cli', '-h', '127.0.0.1', 'get', 'x'], { reject: false });
    expect(noAuth.stdout + noAuth.stderr).toMatch(/NOAUTH/);

    const migrate = await docker(['run', '--rm', '--network', NET, ...appEnv, REFS['demo-app']!, 'migrate']);
    expect(migrate.stdout).toContain('applied migration 1');
    expect((await docker(['run', '--rm', '--network', NET, ...appEnv, REFS['demo-app']!, 'migrate'])).stdout).toContain('up to date');
    const admin = await docker(['run', '--rm', '-i', '--network', NET, ...appEnv, REFS['demo-app']!, 'create-admin', '--email', 'Admin@Hospital.local'], { input: ADMIN_PASSWORD + '\n' });
    expect(admin.stdout).toContain('admin admin@hospital.local created');
    const stored = await docker(['exec', '-e', `PGPASSWORD=${PG_PASSWORD}`, 'demo-it-pg', 'psql', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'hospital', '-tAc', "SELECT password_hash FROM admins WHERE email = 'admin@hospital.local'"]);
    expect(stored.stdout.trim()).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored.stdout).not.toContain(ADMIN_PASSWORD);
    const weak = await docker(['run', '--rm', '-i', '--network', NET, ...appEnv, REFS['demo-app']!, 'create-admin', '--email', 'x@hospital.local'], { input: 'short\n', reject: false });
    expect(weak.exitCode).toBe(2);

    await docker(['run', '-d', '--name', 'demo-it-app', '--network', NET, '--network-alias', 'app', '-p', `${APP_PORT}:8080`, ...appEnv, REFS['demo-app']!]);
    await waitHealthy('demo-it-app');
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', checks: { postgres: { status: 'ok' }, redis: { status: 'ok' } } });
    const patients = JSON.parse((await get('/api/patients')).body) as { patients: { mrn: string }[]; views: number };
    expect(patients.patients.map((p) => p.mrn)).toContain('MRN-100231');
    expect(patients.views).toBeGreaterThanOrEqual(1);
    const metrics = await get('/metrics');
    expect(metrics.body).toMatch(/demo_http_requests_total\{method="GET",route="\/health\/ready",status="200"\} \d+/);
    expect(metrics.body).toContain('demo_up 1');
    expect((await get('/')).body).toContain('<title>Hospital demo</title>');
  }, 900_000);

  it('reports 503 naming redis when Redis stops, and recovers when it is back', async () => {
    await docker(['stop', 'demo-it-redis']);
    const down = await get('/health/ready');
    expect(down.status).toBe(503);
    const body = JSON.parse(down.body) as { checks: Record<string, { status: string; error?: string }> };
    expect(body.checks.redis?.status).toBe('fail');
    expect(body.checks.redis?.error).toBeTruthy();
    expect(body.checks.postgres?.status).toBe('ok');
    expect((await get('/metrics')).body).toContain('demo_dependency_up{dependency="redis"} 0');

    await docker(['start', 'demo-it-redis']);
    await waitHealthy('demo-it-redis');
    await waitFor('readiness to recover', async () => ((await get('/health/ready')).status === 200 ? true : undefined), 30_000);
  }, 300_000);

  it('nginx terminates TLS with a certificate made here and proxies to the app', async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=demo.hospital.local', '-addext', `subjectAltName=DNS:demo.hospital.local,IP:${node.address}`,
      '-keyout', join(certDir, 'tls.key'), '-out', join(certDir, 'tls.crt'),
    ], { stdio: 'ignore' });
    const cert = readFileSync(join(certDir, 'tls.crt'));
    await nodeExec(node, ['install', '-d', '-m', '0755', `${SECRETS}/tls`]);
    await nodeExec(node, ['sh', '-c', 'cat > "$1"', 'sh', `${SECRETS}/tls/tls.crt`], { input: cert });
    await nodeExec(node, ['sh', '-c', 'umask 077; cat > "$1"', 'sh', `${SECRETS}/tls/tls.key`], { input: readFileSync(join(certDir, 'tls.key')) });
    await docker(['run', '-d', '--name', 'demo-it-nginx', '--network', NET, '-e', 'NGINX_UPSTREAM=http://app:8080', '-e', 'NGINX_SERVER_NAME=demo.hospital.local', '-v', `${SECRETS}/tls:/etc/nginx/tls:ro`, '-p', `${HTTPS_PORT}:443`, '-p', `${HTTP_PORT}:80`, REFS.nginx!]);
    await waitHealthy('demo-it-nginx');

    const ready = await getTls('/health/ready', cert);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' });
    expect(ready.protocol).toMatch(/^TLSv1\.[23]$/);
    expect((await getTls('/api/patients', cert)).body).toContain('MRN-100231');
    // A client that does not trust the certificate is refused.
    await expect(getTls('/health', Buffer.from(''))).rejects.toThrow();
    const plain = await get('/api/patients', HTTP_PORT);
    expect(plain.status).toBe(301);
    expect((await get('/healthz', HTTP_PORT)).status).toBe(200);
  }, 300_000);

  it('the exporters and Prometheus run against the real services', async () => {
    await docker(['run', '-d', '--name', 'demo-it-pgexp', '--network', NET, '-e', 'DATA_SOURCE_URI=postgres:5432/hospital?sslmode=disable', '-e', 'DATA_SOURCE_USER=postgres', '-e', 'DATA_SOURCE_PASS_FILE=/run/secrets/pg', '-v', `${SECRETS}/pg:/run/secrets/pg:ro`, '-p', '19187:9187', REFS['postgres-exporter']!]);
    await docker(['run', '-d', '--name', 'demo-it-redisexp', '--network', NET, '-e', 'REDIS_ADDR=redis://redis:6379', '-e', 'REDIS_PASSWORD_FILE=/run/secrets/redis', '-v', `${SECRETS}/redis:/run/secrets/redis:ro`, '-p', '19121:9121', REFS['redis-exporter']!]);
    await docker(['run', '-d', '--name', 'demo-it-nodeexp', '--network', NET, '-p', '19100:9100', REFS['node-exporter']!]);
    await docker(['run', '-d', '--name', 'demo-it-prom', '--network', NET, '-p', '19090:9090', REFS.prometheus!]);
    await waitFor('pg_up 1', async () => ((await get('/metrics', 19187)).body.match(/^pg_up 1$/m) ? true : undefined));
    await waitFor('redis_up 1', async () => ((await get('/metrics', 19121)).body.match(/^redis_up 1$/m) ? true : undefined));
    await waitFor('node exporter metrics', async () => ((await get('/metrics', 19100)).body.includes('node_cpu_seconds_total') ? true : undefined));
    await waitHealthy('demo-it-prom');
    expect((await get('/-/ready', 19090)).status).toBe(200);
    // Debian's web UI and the script it loads (the image drops unused moment-timezone data).
    const graph = await get('/graph', 19090, true);
    expect(graph.status).toBe(200);
    const script = /src="([^"]*moment-timezone-with-data\.min\.js)[^"]*"/.exec(graph.body)?.[1];
    expect(script, `script tag in ${graph.url}`).toBeTruthy();
    expect((await fetch(new URL(script!, graph.url), { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
    await waitFor('Prometheus to scrape the demo app', async () => {
      const r = JSON.parse((await get('/api/v1/query?query=up%7Bjob%3D%22demo-app%22%7D', 19090)).body) as { data: { result: { value: [number, string] }[] } };
      return r.data.result[0]?.value[1] === '1' ? true : undefined;
    }, 120_000);
  }, 600_000);
});
