import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { hostMirror, isComplete, removeStaleBuilds, STAMP_NAME, stampFor } from './base-rootfs.js';
import { acquireLock } from './lock.js';
import { removeTree } from './mounts.js';
import { runStreaming } from './run.js';

/**
 * The "docker" profile's layer: Docker Engine from the base suite plus Compose v2 from Debian 13,
 * installed into an overlay upper dir over the base. Docker nodes mount lowerdir=<layer>:<base>,
 * so the layer is built once (about a minute) and holds only what Docker adds (~320 MB).
 * Bookworm only has Compose v1 (1.29); trixie's docker-compose 2.x .deb needs only libc6 >= 2.34
 * and installs as a CLI plugin beside bookworm's docker.io. See docs/lab.md for why not trixie's docker.io.
 */
export const DOCKER_PACKAGES = ['docker.io'] as const;
export const COMPOSE_PACKAGES = ['docker-compose'] as const;
export const COMPOSE_SUITE = 'trixie';
const FORMAT = 1;
const SCRIPT = new URL('./docker-layer.sh', import.meta.url);
const PKG_RE = /^[a-z0-9][a-z0-9+.-]+$/;
// The mirror goes into a sources file: a URL without whitespace or shell/deb822 separators.
const MIRROR_RE = /^https?:\/\/[A-Za-z0-9._~:/%+-]+$/;

export interface DockerLayerSpec {
  format: number;
  base: string;
  packages: string[];
  composePackages: string[];
  composeSuite: string;
  mirror: string;
  scriptSha256: string;
}

export function dockerLayerSpec(baseDir: string): DockerLayerSpec {
  const mirror = hostMirror();
  for (const p of [...DOCKER_PACKAGES, ...COMPOSE_PACKAGES, COMPOSE_SUITE]) if (!PKG_RE.test(p)) throw new ApplianceError('INTERNAL', `Bad package name ${p}`);
  if (!MIRROR_RE.test(mirror)) throw new ApplianceError('VALIDATION', `The host's Debian mirror "${mirror}" is not a plain http(s) URL.`);
  return {
    format: FORMAT,
    base: path.basename(baseDir),
    packages: [...DOCKER_PACKAGES],
    composePackages: [...COMPOSE_PACKAGES],
    composeSuite: COMPOSE_SUITE,
    mirror,
    scriptSha256: createHash('sha256').update(readFileSync(SCRIPT)).digest('hex'),
  };
}

export function dockerLayerDirFor(baseDir: string, spec = dockerLayerSpec(baseDir)): string {
  return `${baseDir}.docker-${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 12)}`;
}

/** The cached docker layer for `baseDir`, built first if needed (under the same lock as the base). */
export async function ensureDockerLayer(baseDir: string, opts: { onEvent: OnEvent; task: string; signal?: AbortSignal }): Promise<string> {
  const spec = dockerLayerSpec(baseDir);
  const dir = dockerLayerDirFor(baseDir, spec);
  if (isComplete(dir, spec)) return dir;
  const { onEvent, task, signal } = opts;
  const stateDir = path.dirname(baseDir);
  const release = await acquireLock(path.join(stateDir, 'base.lock'), {
    timeoutMs: 30 * 60_000,
    signal,
    busyMessage: 'Another `appliance lab up` is still building a root filesystem layer.',
    onWait: () => onEvent({ type: 'log', task, stream: 'info', line: 'Waiting for another `lab up` to finish building the docker layer...' }),
  });
  try {
    if (isComplete(dir, spec)) return dir;
    await removeStaleBuilds(stateDir, /^\.base-[0-9a-f]+\.docker-[0-9a-f]+\.(?:tmp|scratch)-(\d+)$/);
    if (existsSync(dir)) await removeTree(dir);
    const tmp = path.join(stateDir, `.${path.basename(dir)}.tmp-${process.pid}`);
    const scratch = path.join(stateDir, `.${path.basename(dir)}.scratch-${process.pid}`);
    await mkdir(tmp, { recursive: true, mode: 0o755 });
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    const started = Date.now();
    try {
      onEvent({ type: 'log', task, stream: 'info', line: `Building the docker profile layer (${spec.packages.join(' ')} + ${spec.composePackages.join(' ')} from Debian ${spec.composeSuite}; once, about 1-2 minutes)` });
      await runStreaming('unshare', ['--mount', '--propagation', 'private', '--', 'sh', fileURLToPath(SCRIPT), baseDir, tmp, scratch], {
        onLine: (line, stream) => onEvent({ type: 'log', task, stream, line }),
        env: {
          LAB_DOCKER_PACKAGES: spec.packages.join(' '),
          LAB_COMPOSE_PACKAGES: spec.composePackages.join(' '),
          LAB_COMPOSE_SUITE: spec.composeSuite,
          LAB_MIRROR: spec.mirror,
        },
        signal,
      });
      throwIfAborted(signal);
      await writeFile(path.join(tmp, STAMP_NAME), stampFor(spec));
      await rename(tmp, dir);
      onEvent({ type: 'log', task, stream: 'info', line: `Docker layer ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${dir}` });
    } catch (e) {
      await removeTree(tmp).catch(() => {});
      throw e;
    } finally {
      await removeTree(scratch).catch(() => {});
    }
    return dir;
  } finally {
    release();
  }
}
