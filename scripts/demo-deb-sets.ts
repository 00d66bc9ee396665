/**
 * The demo bundle's host package sets (bundles/out/debs/*.tar): what the installer puts on a
 * bare Debian 12 server, with every dependency such a server lacks.
 *   docker-debian-12.tar     docker.io (bookworm, 20.10) + docker-compose (Compose v2 from trixie,
 *                            the CLI plugin; depends only on libc6, so it installs on bookworm:
 *                            ../shared/LAB-NOTES.md "Compose v2", electron/engine/lab/docker-layer.sh)
 *   hardening-debian-12.tar  fail2ban + nftables + python3-systemd (fail2ban's backend=systemd
 *                            reads the journal through it; without it the sshd jail needs a log file)
 * The closure is computed against the demo build's cached debootstrap minbase root filesystem
 * (minus the extras the base image recipe adds), so it installs on the lab's bare nodes and any
 * fuller Debian 12. Offline except for the host's Debian mirror.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseRecipe, type BuiltImage, loadRecipe } from '../electron/engine/bundle-images/index.js';
import { buildDebSet, parseAptSources } from '../electron/engine/bundle-images/deb-set.js';
import { HOST_DEBIAN_SOURCES } from '../electron/engine/bundle-images/debian-rootfs.js';

/** The newer suite Compose v2 comes from, pinned below the release (only name/suite packages come from it). */
const COMPOSE_SUITE = 'trixie';

export const DEMO_DEB_SETS = [
  { name: 'docker-debian-12', os: 'debian-12', install: ['docker.io', `docker-compose/${COMPOSE_SUITE}`] },
  { name: 'hardening-debian-12', os: 'debian-12', install: ['fail2ban', 'nftables', 'python3-systemd'] },
] as const;

export interface DemoDebSet {
  name: string;
  file: string;
  size: number;
  sha256: string;
  cached: boolean;
  seconds: number;
  /** How many .deb files the set holds. */
  packages: number;
}

/**
 * The cached base root filesystem the images were built on: the base-* folder whose layer is
 * every image's first layer (its diff_id), so an older base left in the cache is never used.
 */
async function minbaseRoot(cacheDir: string, images: BuiltImage[]): Promise<string> {
  const diffId = images[0]?.layers[0]?.diffId;
  if (!diffId) throw new Error('no image was built, so the minimal root filesystem is unknown');
  for (const d of (await readdir(cacheDir)).filter((n) => n.startsWith('base-')).sort()) {
    const meta = JSON.parse(await readFile(join(cacheDir, d, 'meta.json'), 'utf8').catch(() => '{}')) as { layer?: { diffId?: string } };
    if (meta.layer?.diffId === diffId) return join(cacheDir, d, 'root');
  }
  throw new Error(`no cached base root filesystem with layer ${diffId} in ${cacheDir} (run with --rebuild-base)`);
}

/** Builds (or reuses) every demo package set into `outDir`. */
export async function buildDemoDebSets(o: {
  images: BuiltImage[];
  cacheDir: string;
  outDir: string;
  baseRecipeFile: string;
  rebuild?: boolean;
  verbose?: boolean;
  say: (line: string) => void;
  signal?: AbortSignal;
}): Promise<DemoDebSet[]> {
  const root = await minbaseRoot(o.cacheDir, o.images);
  // tini and ca-certificates are the base image's own additions, not part of a minimal server.
  const { recipe } = await loadRecipe(o.baseRecipeFile, BaseRecipe);
  const host = parseAptSources(await readFile(HOST_DEBIAN_SOURCES, 'utf8'));
  const release = host[0]!;
  const sources = [...host, { uri: release.uri, suites: [COMPOSE_SUITE], components: ['main'] }];
  const out: DemoDebSet[] = [];
  for (const set of DEMO_DEB_SETS) {
    o.say(`${set.name}: ${set.install.join(' ')}`);
    const r = await buildDebSet({
      ...set,
      install: [...set.install],
      statusFile: join(root, 'var/lib/dpkg/status'),
      notInstalled: recipe.packages,
      sources,
      pinnedSuites: [COMPOSE_SUITE],
      outDir: o.outDir,
      cacheDir: join(o.cacheDir, 'deb-sets'),
      rebuild: o.rebuild,
      onLine: o.verbose ? (l) => o.say(`  ${l}`) : undefined,
      signal: o.signal,
    });
    o.say(`${set.name}: ${r.cached ? 'cached' : 'built'} (${r.packages.length} debs) in ${r.seconds.toFixed(1)}s`);
    out.push({ name: r.name, file: r.file, size: r.size, sha256: r.sha256, cached: r.cached, seconds: r.seconds, packages: r.packages.length });
  }
  return out;
}
