/**
 * The vendor's build path for real: images pushed with skopeo into a real registry (Debian's
 * docker-registry on 127.0.0.1), a dockerd the test starts (own data root and socket, no host
 * networking changes) pulling them for `pull:` sources and holding a loaded image for `docker:`
 * sources. Each bundle is verified, its recorded digests compared with what the registry
 * serves, its images loaded back into the daemon from the verified bundle and run. A pinned tag
 * that moved in the registry is refused with both digests.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertReportOk, buildBundle, generateSigningKey, openVerifiedBundle, verifyBundle } from '../../electron/engine/bundle/index.js';
import { buildBusyboxImage } from '../support/busybox-image.js';
import { startLocalRegistry, type LocalRegistry } from '../support/local-registry.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/private-dockerd.js';
import { failure } from '../support/failure.js';

const NEEDED = ['dockerd', 'docker', 'docker-registry', 'skopeo'];

function missingPrerequisites(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (it starts its own dockerd)';
  const path = (process.env.PATH ?? '').split(':');
  const missing = NEEDED.filter((c) => !path.some((d) => existsSync(join(d, c))));
  if (!existsSync('/bin/busybox')) missing.push('/bin/busybox (busybox-static)');
  return missing.length ? `missing ${missing.join(', ')} (Debian packages docker.io, docker-registry, skopeo: see .ci/apt-packages.txt)` : null;
}

const why = missingPrerequisites();
if (why && process.env.LAB_REQUIRED === '1') {
  describe('bundle sources from a registry and a dockerd', () => {
    it('has what it needs', () => {
      throw new Error(`LAB_REQUIRED=1 but this test cannot run: ${why}`);
    });
  });
}

describe.skipIf(why !== null)(`bundle sources from a registry and a dockerd${why ? ` (skipped: ${why})` : ''}`, () => {
  let tmp = '';
  let registry: LocalRegistry | undefined;
  let dockerd: PrivateDockerd | undefined;
  let savedDockerHost: string | undefined;
  let key: { privateKeyFile: string; publicKeyFile: string };
  let repo = '';
  let v1 = { archive: '', imageId: '' };
  let v2 = { archive: '', imageId: '' };

  const trust = () => ({ trust: [key.publicKeyFile], trustDirs: [], cacheDir: join(tmp, 'verify-cache') });
  const skopeo = (args: string[]) => execa('skopeo', args, { timeout: 120_000 });
  const push = (archive: string, ref: string) => skopeo(['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${ref}`]);
  /** What the registry serves for REF: its manifest digest and the config (image id) digest. */
  async function served(ref: string): Promise<{ digest: string; config: string }> {
    const inspected = JSON.parse((await skopeo(['inspect', '--tls-verify=false', `docker://${ref}`])).stdout) as { Digest: string };
    const raw = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])).stdout) as { config: { digest: string } };
    return { digest: inspected.Digest, config: raw.config.digest };
  }
  async function writeSpec(name: string, artifacts: { ref: string; source: string }[]): Promise<string> {
    const file = join(tmp, `${name}.bundle.yaml`);
    const lines = ['schemaVersion: 1', `name: ${name}`, 'version: 1.0.0', 'topologies: [single]', 'components:'];
    artifacts.forEach((a, i) => lines.push(`  - name: c${i}`, '    artifacts:', '      - kind: image', `        ref: ${a.ref}`, `        source: { ${a.source} }`));
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  }
  /** Streams REF out of the verified bundle into `docker load`, as an install would, then runs it. */
  async function loadAndRun(bundle: string, ref: string): Promise<{ id: string; output: string }> {
    await dockerd!.docker(['image', 'rm', '--force', ref], { reject: false });
    const vb = await openVerifiedBundle(bundle, trust());
    const load = spawn('docker', ['load'], { env: { ...process.env, DOCKER_HOST: dockerd!.host }, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    load.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((res) => load.on('close', res));
    await pipeline(vb.artifactStream(ref), load.stdin);
    expect(await exited, err).toBe(0);
    const id = (await dockerd!.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
    const output = (await dockerd!.docker(['run', '--rm', '--network', 'none', ref])).stdout.trim();
    return { id, output };
  }

  beforeAll(async () => {
    tmp = await mkdtemp('/tmp/bundle-sources-');
    savedDockerHost = process.env.DOCKER_HOST;
    registry = await startLocalRegistry(join(tmp, 'registry'));
    // Loopback registries are plain-HTTP by default in dockerd (127.0.0.0/8); said explicitly anyway.
    dockerd = await startPrivateDockerd(join(tmp, 'dockerd'), { insecureRegistries: [registry.address] });
    // The builder's docker CLI finds the daemon the standard way: DOCKER_HOST.
    process.env.DOCKER_HOST = dockerd.host;
    repo = `${registry.address}/airgap-demo/busybox`;
    v1 = await buildBusyboxImage(tmp, `${repo}:1`, 'v1');
    v2 = await buildBusyboxImage(tmp, `${repo}:1`, 'v2');
    await push(v1.archive, `${repo}:1`);
    await push(v1.archive, `${registry.address}/airgap-demo/pinned:1`);
    key = await generateSigningKey(join(tmp, 'keys'), 'vendor-test');
  });

  afterAll(async () => {
    if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedDockerHost;
    await dockerd?.stop();
    await registry?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('pull: records the digest the registry serves (unpinned and pinned), verifies, and the image loads and runs', async () => {
    const reg = await served(`${repo}:1`);
    expect(reg.config).toBe(v1.imageId);
    const pinnedRef = `${registry!.address}/airgap-demo/pinned:1`;
    const spec = await writeSpec('pulled', [
      { ref: `${repo}:1`, source: `pull: "${repo}:1"` },
      { ref: pinnedRef, source: `pull: "${pinnedRef}@${reg.digest}"` },
    ]);
    const out = join(tmp, 'out-pull');
    await buildBundle(spec, { out, sign: key.privateKeyFile });
    assertReportOk(await verifyBundle(out, { ...trust(), full: true }));

    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { artifacts: { ref: string; imageId?: string; repoDigest?: string }[] };
    const byRef = new Map(manifest.artifacts.map((a) => [a.ref, a]));
    expect(byRef.get(`${repo}:1`)).toMatchObject({ imageId: reg.config, repoDigest: `${repo}@${reg.digest}` });
    expect(byRef.get(pinnedRef)).toMatchObject({ imageId: reg.config, repoDigest: `${registry!.address}/airgap-demo/pinned@${reg.digest}` });

    const run = await loadAndRun(out, `${repo}:1`);
    expect(run.id).toBe(reg.config);
    expect(run.output).toBe('v1');
  });

  it('docker: saves an image already in the daemon and records its id; it loads back and runs', async () => {
    const local = 'vendor-local/tool:2';
    await dockerd!.docker(['load', '--input', v2.archive]);
    await dockerd!.docker(['tag', `${repo}:1`, local]);
    // v2's archive carries the registry tag; keep only the local name, as a vendor's own build would.
    await dockerd!.docker(['image', 'rm', `${repo}:1`]);
    const spec = await writeSpec('local', [{ ref: local, source: `docker: ${local}` }]);
    const out = join(tmp, 'out-docker');
    await buildBundle(spec, { out, sign: key.privateKeyFile });
    assertReportOk(await verifyBundle(out, { ...trust(), full: true }));
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { artifacts: { ref: string; imageId?: string; repoDigest?: string }[] };
    expect(manifest.artifacts[0]).toMatchObject({ ref: local, imageId: v2.imageId });
    expect(manifest.artifacts[0]!.repoDigest).toBeUndefined();

    const run = await loadAndRun(out, local);
    expect(run.id).toBe(v2.imageId);
    expect(run.output).toBe('v2');
  });

  it('refuses a pinned tag that moved in the registry, naming the image and both digests; unpinned follows the tag', async () => {
    const before = await served(`${repo}:1`);
    await push(v2.archive, `${repo}:1`); // the tag now points at another image
    const after = await served(`${repo}:1`);
    expect(after.digest).not.toBe(before.digest);

    const spec = await writeSpec('moved', [{ ref: `${repo}:1`, source: `pull: "${repo}:1@${before.digest}"` }]);
    const out = join(tmp, 'out-moved');
    const e = await failure(() => buildBundle(spec, { out, sign: key.privateKeyFile }));
    expect(e.code).toBe('INTEGRITY');
    expect(e.details).toEqual({ image: `${repo}:1`, expected: before.digest, actual: after.digest });
    for (const s of [`${repo}:1`, before.digest, after.digest]) expect(e.message).toContain(s);
    expect(existsSync(out)).toBe(false);

    const unpinned = await writeSpec('follows', [{ ref: `${repo}:1`, source: `pull: "${repo}:1"` }]);
    const out2 = join(tmp, 'out-follows');
    await buildBundle(unpinned, { out: out2, sign: key.privateKeyFile });
    const manifest = JSON.parse(await readFile(join(out2, 'manifest.json'), 'utf8')) as { artifacts: { imageId?: string; repoDigest?: string }[] };
    expect(manifest.artifacts[0]).toMatchObject({ imageId: after.config, repoDigest: `${repo}@${after.digest}` });
    expect(after.config).toBe(v2.imageId);
  });

  it('refuses a malformed pin before pulling anything', async () => {
    const spec = await writeSpec('badpin', [{ ref: `${repo}:1`, source: `pull: "${repo}@sha256:1234"` }]);
    const e = await failure(() => buildBundle(spec, { out: join(tmp, 'out-badpin') }));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toContain('sha256: and 64 lowercase hex digits');
  });
});
