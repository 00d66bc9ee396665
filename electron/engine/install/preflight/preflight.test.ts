import { describe, expect, it } from 'vitest';
import { StackDeclaration } from '../../bundle/stack.js';
import { parseSs } from '../../hardware/listening-ports.js';
import type { SizingCheck } from '../../sizing/check.js';
import { bundleCheck } from './bundle-check.js';
import { diskCheck, parseDfAvail, parseDuBytes } from './disk-check.js';
import { dockerCheck, versionAtLeast } from './docker-check.js';
import { formatPreflightFailure } from './format.js';
import { clockCheck, hardwareCheck, osCheck } from './host-facts-checks.js';
import { parseDockerPublishedPorts, portsCheck } from './ports-check.js';
import { runPreflight } from './run-preflight.js';
import { PreflightReport } from './schema.js';
import type { Site } from '../../site/index.js';

const img = (role: string) => ({ image: `${role}-image` });
const stack = StackDeclaration.parse({
  name: 'hospital-erp',
  roles: {
    proxy: { ...img('proxy'), tlsCert: '/etc/tls/cert.pem', tlsKey: '/etc/tls/key.pem', health: { port: 80, path: '/health' } },
    app: { ...img('app'), port: 8080, health: { port: 8080, path: '/health' }, ready: { port: 8080, path: '/ready' } },
    database: { ...img('db'), engine: 'postgres', database: 'erp', user: 'erp', dataPath: '/var/lib/postgresql/data' },
    cache: { ...img('cache'), engine: 'redis', dataPath: '/data' },
  },
  docker: { minVersion: '20.10', packages: [{ os: 'debian-12', install: ['docker.io'], debs: ['docker-debs'] }] },
});
const artifacts = [...['proxy', 'app', 'db', 'cache'].map((r) => ({ kind: 'image', ref: `${r}-image` })), { kind: 'binary', ref: 'docker-debs' }] as never[];
const bundle = (over: { topologies?: ('single' | 'k3s-3')[]; status?: 'trusted' | 'unsigned' } = {}) => ({
  manifest: { name: 'hospital-erp', version: '1.4.2', topologies: over.topologies ?? ['single'] } as never,
  signature: { status: over.status ?? 'trusted', keyName: 'vendor-2026', keyId: 'ab'.repeat(32), message: '' },
  artifacts,
});

describe('bundle check', () => {
  it('passes a trusted bundle for the site topology, naming it and its key', () => {
    const c = bundleCheck(bundle(), 'single', stack);
    expect(c).toMatchObject({ id: 'bundle', status: 'pass' });
    expect(c.detail).toBe('hospital-erp 1.4.2, signed by vendor-2026 (abababababababab…)');
  });
  it('fails a bundle for another topology, a missing stack, and images the stack names but the bundle lacks', () => {
    expect(bundleCheck(bundle({ topologies: ['k3s-3'] }), 'single', stack)).toMatchObject({ status: 'fail', detail: expect.stringContaining('built for k3s-3, not this site\'s topology single') });
    expect(bundleCheck(bundle(), 'single', undefined)).toMatchObject({ status: 'fail', detail: expect.stringContaining('declares no stack') });
    const b = { ...bundle(), artifacts: artifacts.slice(1) };
    expect(bundleCheck(b, 'single', stack).detail).toContain('stack.roles.proxy.image: no image artifact "proxy-image"');
  });
  it('warns for a bundle the engineer allowed unsigned', () => {
    expect(bundleCheck(bundle({ status: 'unsigned' }), 'single', stack)).toMatchObject({ status: 'warn', detail: expect.stringContaining('UNSIGNED') });
  });
});

const sc = (id: string, status: SizingCheck['status'], measured = 'x', required = 'y', remediation: string | null = 'do it'): SizingCheck => ({ id, title: id, status, measured, required, remediation });

describe('hardware, OS and clock checks', () => {
  it('fails on any failing sizing check, with measured and required values; ports and clock are left to their own checks', () => {
    const c = hardwareCheck({ checks: [sc('memory', 'fail', '8.0 GiB', '≥ 32 GiB', 'Add RAM.'), sc('ports', 'fail'), sc('clockOffset', 'warn'), sc('cpu.cores', 'pass')] }, { name: 'small-single', production: true });
    expect(c).toMatchObject({ id: 'hardware', status: 'fail', detail: 'memory: 8.0 GiB (needs ≥ 32 GiB)', remediation: 'Add RAM.' });
    expect(hardwareCheck({ checks: [sc('ports', 'fail'), sc('clockOffset', 'fail'), sc('swap', 'info')] }, { name: 'lab', production: false })).toMatchObject({ status: 'pass', title: expect.stringContaining('NOT the production sizing') });
    expect(hardwareCheck({ checks: [sc('memory.ecc', 'warn', 'unknown')] }, { name: 'lab', production: false }).status).toBe('warn');
  });
  it('needs systemd as init', () => {
    const os = { family: 'debian', distro: 'Debian GNU/Linux 12 (bookworm)', release: '12', codename: 'bookworm', kernel: '6.1.0', arch: 'x86_64' };
    expect(osCheck({ os, initSystem: 'systemd' })).toMatchObject({ status: 'pass', detail: expect.stringContaining('init systemd') });
    expect(osCheck({ os, initSystem: 'init' })).toMatchObject({ status: 'fail', detail: expect.stringContaining('init init: systemd is required') });
    expect(osCheck({ os, initSystem: null }).status).toBe('fail');
  });
  it('clock skew must be under 1 s either way', () => {
    expect(clockCheck(12.5).status).toBe('pass');
    expect(clockCheck(-999).status).toBe('pass');
    expect(clockCheck(1000)).toMatchObject({ status: 'fail', detail: '+1.0 s (server ahead): must be under 1.0 s' });
    expect(clockCheck(-75_000)).toMatchObject({ status: 'fail', detail: expect.stringContaining('-1.3 min (server behind)') });
    expect(clockCheck(null).status).toBe('fail');
  });
});

// `sudo ss -tulnp` on a host where busybox nc holds 8443 and our stack's docker-proxy holds 443.
const SS = [
  'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
  'udp   UNCONN 0      0            0.0.0.0:8443      0.0.0.0:*     users:(("dnsmasq",pid=70,fd=4))',
  'tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*     users:(("sshd",pid=90,fd=3))',
  'tcp   LISTEN 0      1            0.0.0.0:8443      0.0.0.0:*     users:(("nc",pid=301,fd=3))',
  'tcp   LISTEN 0      4096         0.0.0.0:443       0.0.0.0:*     users:(("docker-proxy",pid=410,fd=4))',
  'tcp   LISTEN 0      4096            [::]:443          [::]:*     users:(("docker-proxy",pid=417,fd=4))',
  'tcp   LISTEN 0      4096       127.0.0.1:9090      0.0.0.0:*     users:(("docker-proxy",pid=500,fd=4))',
];

describe('ports check', () => {
  const listeners = parseSs(SS);
  const base = { listeners, processNames: true, ownPorts: new Set<number>(), stack: 'hospital-erp' };
  it('names the port, the process and the address of a foreign listener (udp on the same number is no conflict)', () => {
    const c = portsCheck({ ...base, required: [8443, 80] });
    expect(c).toMatchObject({ id: 'ports', status: 'fail', detail: '8443/tcp is in use by nc on 0.0.0.0' });
    expect(c.remediation).toContain('80/tcp, 8443/tcp');
  });
  it("passes ports held by our own stack's docker-proxy, fails docker-proxy of another container", () => {
    const own = parseDockerPublishedPorts('0.0.0.0:80->80/tcp, :::80->80/tcp, 0.0.0.0:443->443/tcp, :::443->443/tcp\n');
    expect(portsCheck({ ...base, required: [80, 443], ownPorts: own })).toMatchObject({ status: 'pass', detail: "80/tcp, 443/tcp free; 443/tcp held by hospital-erp's own containers" });
    expect(portsCheck({ ...base, required: [9090], ownPorts: own })).toMatchObject({ status: 'fail', detail: '9090/tcp is in use by docker-proxy (a container that is not part of hospital-erp) on 127.0.0.1' });
  });
  it('says when process names could not be read, and warns when sockets could not be read at all', () => {
    const anon = parseSs(SS.map((l) => l.replace(/users:.*$/, '')));
    expect(portsCheck({ ...base, listeners: anon, processNames: false, required: [443] }).detail).toBe('443/tcp is in use by a process (name not readable without sudo) on 0.0.0.0, ::');
    expect(portsCheck({ ...base, listeners: null, required: [443] }).status).toBe('warn');
    expect(portsCheck({ ...base, required: [] }).status).toBe('pass');
  });
  it('parses published port ranges and ignores udp', () => {
    expect([...parseDockerPublishedPorts('0.0.0.0:8000-8002->8000-8002/tcp, 0.0.0.0:53->53/udp')]).toEqual([8000, 8001, 8002]);
    expect(parseDockerPublishedPorts('').size).toBe(0);
  });
});

describe('disk check', () => {
  it('parses df and du output', () => {
    expect(parseDfAvail('   Avail Mounted on\n3967811584 /data\n')).toEqual({ availBytes: 3967811584, mount: '/data' });
    expect(parseDfAvail('df: /nope: No such file or directory\n')).toBeNull();
    expect(parseDuBytes('1048576\t/data/airgap-appliance/staging\n')).toBe(1048576);
    expect(parseDuBytes('')).toBe(0);
  });
  it('fails with the sizes named when the data filesystem is too small for twice the share', () => {
    const c = diskCheck({ dataDir: '/data', df: { availBytes: 3_000_000_000, mount: '/data' }, shareBytes: 2_000_000_000, stagedBytes: 0 });
    expect(c.status).toBe('fail');
    expect(c.detail).toBe('3 GB (3000000000 bytes) available on /data; needs 2 × bundle share 2 GB (2000000000 bytes) = 4 GB (4000000000 bytes): 1 GB (1000000000 bytes) short');
    expect(c.remediation).toContain('Free 1 GB on /data');
  });
  it('counts bytes already staged as done (up to the share)', () => {
    const c = diskCheck({ dataDir: '/data', df: { availBytes: 3_000_000_000, mount: '/data' }, shareBytes: 2_000_000_000, stagedBytes: 1_000_000_000 });
    expect(c).toMatchObject({ status: 'pass', detail: expect.stringContaining('2 × (bundle share 2 GB (2000000000 bytes) − 1 GB (1000000000 bytes) already staged) = 2 GB') });
    expect(diskCheck({ dataDir: '/data', df: { availBytes: 0, mount: '/data' }, shareBytes: 5, stagedBytes: 99 }).status).toBe('pass');
  });
  it('fails when the data folder does not exist', () => {
    expect(diskCheck({ dataDir: '/data', df: null, dfError: "df: /data: No such file or directory", shareBytes: 1, stagedBytes: 0 })).toMatchObject({ status: 'fail', detail: '/data cannot be read: df: /data: No such file or directory' });
  });
});

describe('report and failure text', () => {
  it('lists every failing check of every host with its values, and the warnings', () => {
    const report = PreflightReport.parse({
      ok: false,
      hosts: [
        { host: 'node1', checks: [portsCheck({ required: [8443], listeners: parseSs(SS), processNames: true, ownPorts: new Set(), stack: 's' }), diskCheck({ dataDir: '/data', df: { availBytes: 10, mount: '/data' }, shareBytes: 100, stagedBytes: 0 }), clockCheck(3)] },
        { host: 'node2', checks: [clockCheck(5000), hardwareCheck({ checks: [sc('memory.ecc', 'warn', 'unknown')] }, { name: 'lab', production: false })] },
      ],
    });
    const text = formatPreflightFailure(report);
    expect(text).toContain('node1:\n  - Ports the stack needs are free: 8443/tcp is in use by nc on 0.0.0.0');
    expect(text).toContain('  - Free space on the data filesystem (/data): 10 B (10 bytes) available on /data; needs 2 × bundle share 100 B (100 bytes) = 200 B (200 bytes): 190 B (190 bytes) short');
    expect(text).toContain('node2:\n  - Clock skew to this laptop: +5.0 s (server ahead)');
    expect(text).toContain('Warnings:\n  - node2: Hardware');
    expect(text).not.toContain('Clock skew to this laptop: +3 ms');
  });
});

describe('docker check', () => {
  const docker = { minVersion: '20.10', packages: [{ os: 'debian-12', install: ['docker.io', 'docker-compose'], debs: ['d'] }] };
  const debian = { family: 'debian', release: '12' };
  it('uses a running Docker of minVersion or later as it is', () => {
    expect(dockerCheck({ os: debian, serverVersion: '24.0.7', docker })).toMatchObject({ status: 'pass', detail: 'Docker 24.0.7 runs (≥ 20.10): used as it is' });
    expect(dockerCheck({ os: debian, serverVersion: '20.10.24+dfsg1', docker }).status).toBe('pass');
  });
  it('needs the bundle to carry Docker for the host OS otherwise', () => {
    expect(dockerCheck({ os: debian, serverVersion: null, docker })).toMatchObject({ status: 'pass', detail: "no running Docker: the bundle's Docker packages for debian-12 (docker.io, docker-compose) will be installed" });
    expect(dockerCheck({ os: { family: 'ubuntu', release: '22.04' }, serverVersion: '19.03.1', docker })).toMatchObject({
      status: 'fail',
      detail: 'Docker 19.03.1 runs, older than 20.10, and the bundle has Docker packages only for debian-12, not ubuntu-22.04',
    });
    expect(dockerCheck({ os: null, serverVersion: null, docker }).status).toBe('fail');
  });
  it('compares major.minor numerically', () => {
    expect(versionAtLeast('20.10', '20.9')).toBe(true);
    expect(versionAtLeast('20.9', '20.10')).toBe(false);
    expect(versionAtLeast('rc', '20.10')).toBe(false);
  });
});

describe('runPreflight before any host is asked', () => {
  const site = { config: { topology: 'single' } } as Site;
  const base = { site, bundle: bundle() as never, stack, targets: [], vars: {}, bundleShare: {}, requiredPorts: {} };
  it('refuses an unknown profile and honours a cancelled signal', async () => {
    await expect(runPreflight({ ...base, profile: 'huge' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('Unknown sizing profile "huge"') });
    await expect(runPreflight({ ...base, profile: 'lab', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
