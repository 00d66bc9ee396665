import { versionAtLeast } from './version.js';
import { ApplianceError } from '../errors.js';
import { isPackageArtifact, type StackDeclaration, type StackHostPackages } from '../bundle/stack.js';
import { stageArtifact, stagedPath } from './stage-artifact.js';
import type { Phase, ProbeResult, Step, StepContext } from './types.js';

/**
 * Host packages from the bundle (stack.docker.packages, stack.hostPackages): installed with apt,
 * offline, from the bundle's .deb files, and only those the host lacks. A set is declared per
 * OS; the host's /etc/os-release picks it. The probe asks dpkg only (read-only, cheap); apply
 * stages the artifacts (resumable, sha256-checked), gathers their .debs in one folder under
 * canonical names, and installs the missing ones with
 *   apt-get install --no-download -o Dir::Cache::Archives=<folder>/ <folder>/x.deb ...
 * (bookworm's apt 2.6 fails "Pathname to install is not absolute" with --no-download unless the
 * archives dir is the folder holding the .debs; --no-download guarantees nothing is fetched).
 */

/** "debian-12", "ubuntu-22.04": ID-VERSION_ID of an /etc/os-release text. */
export function osKey(osRelease: string): string {
  const field = (name: string) => {
    const m = new RegExp(`^${name}=(.*)$`, 'm').exec(osRelease);
    return (m?.[1] ?? '').trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  };
  return `${field('ID')}-${field('VERSION_ID')}`;
}

/** The host's OS key, read from /etc/os-release (read-only). */
export async function hostOsKey(ctx: StepContext): Promise<string> {
  const r = await ctx.probeExec(['cat', '/etc/os-release'], { allowFailure: true });
  if (r.exitCode !== 0) throw new ApplianceError('FAILED', `${ctx.host}: cannot read /etc/os-release, so the OS for the bundle's packages is unknown.`);
  return osKey(r.stdout);
}

/** The set declared for this OS, or a clear error naming what the host runs and what the bundle has. */
export function setForOs(sets: StackHostPackages[], os: string, host: string, what: string): StackHostPackages {
  const set = sets.find((s) => s.os === os);
  if (!set) throw new ApplianceError('VALIDATION', `${host} runs ${os || 'an unknown OS'}, but the bundle's ${what} are for ${sets.map((s) => s.os).join(', ')}: install them on the host by hand, or use a bundle built for ${os || 'this OS'}.`);
  return set;
}

/** Of `names`, those dpkg does not list as installed (read-only). */
export async function missingPackages(ctx: StepContext, names: string[]): Promise<string[]> {
  if (!names.length) return [];
  // Exit 1 when some name is unknown to dpkg: those are simply absent from the output.
  const r = await ctx.probeExec(['dpkg-query', '-W', '-f', '${Package}\t${db:Status-Status}\n', ...names], { allowFailure: true });
  const installed = new Set(
    r.stdout
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  return names.filter((n) => !installed.has(n.replace(/:[a-z0-9]+$/, '')));
}

/** Where a set's .debs are gathered on the host (one folder per set, on the data filesystem). */
export function debFolder(ctx: Pick<StepContext, 'vars'>, setId: string): string {
  return `${ctx.vars.stagingDir}/debs-${setId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * Fills the folder $1 from staged artifacts ("tar FILE" or "deb FILE" pairs) under apt's own
 * file names (name_version_arch.deb, epoch colon as %3a), then prints "name<TAB>file" per .deb.
 * Built in $1.tmp and renamed, so an interrupted run leaves nothing half-filled behind.
 */
const GATHER = `set -eu
dir=$1; shift
tmp=$dir.tmp
rm -rf "$tmp"; mkdir -p "$tmp/in"
while [ $# -gt 1 ]; do
  case $1 in
    tar) tar -xf "$2" -C "$tmp/in" --no-same-owner --no-same-permissions ;;
    deb) ln -f "$2" "$tmp/in/$(basename "$2").deb" 2>/dev/null || cp "$2" "$tmp/in/$(basename "$2").deb" ;;
    *) echo "unknown kind $1" >&2; exit 2 ;;
  esac
  shift 2
done
find "$tmp/in" -type f -name '*.deb' | while read -r f; do
  n=$(dpkg-deb --showformat='\${Package}_\${Version}_\${Architecture}' --show "$f" | sed 's/:/%3a/g')
  mv -f "$f" "$tmp/$n.deb"
done
rm -rf "$tmp/in" "$dir"
mv "$tmp" "$dir"
for f in "$dir"/*.deb; do
  [ -e "$f" ] || { echo "no .deb files in the package set" >&2; exit 3; }
  printf '%s\\t%s\\n' "$(dpkg-deb --showformat='\${Package}' --show "$f")" "$f"
done`;

/**
 * Stages the set's artifacts and installs the .debs of packages the host lacks. Returns what it
 * installed (empty when nothing was missing). Safe to repeat: staging resumes or skips, the
 * folder is rebuilt, apt installs only what is still missing.
 */
export async function installPackageSet(ctx: StepContext, set: StackHostPackages, setId: string): Promise<string[]> {
  const t0 = performance.now();
  const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);
  const pairs: string[] = [];
  for (const ref of set.debs) {
    const a = ctx.bundle.artifact(ref);
    if (!isPackageArtifact(a.kind, a.ref)) throw new ApplianceError('VALIDATION', `Artifact ${ref} is a ${a.kind}, not a .deb or a .tar of .deb files.`);
    await stageArtifact(ctx, ref, { label: `${ref} to ${ctx.host}` });
    pairs.push(a.kind === 'binary' ? 'deb' : 'tar', stagedPath(ctx, ref));
  }
  ctx.log(`${setId}: staged ${set.debs.length} artifact(s) in ${secs(t0)} s`);
  const t1 = performance.now();
  const dir = debFolder(ctx, setId);
  const gathered = await ctx.exec({ script: GATHER, args: [dir, ...pairs], label: `gather-debs ${setId}` }, { sudo: true, timeoutMs: 5 * 60_000 });
  if (ctx.dryRun) return [];
  const files = new Map<string, string>();
  for (const line of gathered.stdout.split('\n')) {
    const [name, file] = line.split('\t');
    if (name && file) files.set(name, file);
  }
  ctx.log(`${setId}: ${files.size} .deb files gathered in ${secs(t1)} s`);
  const missing = await missingPackages(ctx, [...files.keys()]);
  const t2 = performance.now();
  if (missing.length) {
    ctx.log(`installing ${missing.length} of ${files.size} packages: ${missing.join(' ')}`);
    await ctx.exec(
      [
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '-q',
        '--no-install-recommends',
        '--no-download',
        '-o',
        `Dir::Cache::Archives=${dir}/`,
        // Another apt (unattended-upgrades) may hold the lock for a while: wait instead of failing.
        '-o',
        'DPkg::Lock::Timeout=300',
        // Keep a changed config file as the admin left it; never prompt.
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...missing.map((n) => files.get(n)!),
      ],
      { sudo: true, timeoutMs: 15 * 60_000, onOutput: (stream, text) => text.split('\n').filter(Boolean).forEach((l) => ctx.log(l, stream)) },
    );
    ctx.log(`${setId}: apt-get installed ${missing.length} packages in ${secs(t2)} s`);
  } else {
    ctx.log(`all ${files.size} packages of ${setId} are installed already`);
  }
  await ctx.exec(['rm', '-rf', dir], { sudo: true });
  return missing;
}

async function probeSet(ctx: StepContext, sets: StackHostPackages[], what: string): Promise<ProbeResult & { set: StackHostPackages }> {
  const set = setForOs(sets, await hostOsKey(ctx), ctx.host, what);
  const missing = await missingPackages(ctx, set.install);
  return missing.length
    ? { done: false, reason: `${missing.length} of ${set.install.length} packages missing: ${missing.join(', ')}`, set }
    : { done: true, reason: `${set.install.join(', ')} installed`, set };
}

export interface HostPackageStepOptions {
  /** Step id, e.g. "packages.hardening". */
  id: string;
  title: string;
  phase: Phase;
  dependsOn?: string[];
  /** For messages: "hardening packages". */
  what?: string;
}

/**
 * One step that makes the set's `install` packages present on the host: probe = dpkg says they
 * are installed (and the host's OS has a set; a mismatch fails with both named), apply = stage
 * and install the missing .debs, verify = dpkg says installed. `sets` may hold one set per OS.
 */
export function hostPackageSteps(sets: StackHostPackages | StackHostPackages[], opts: HostPackageStepOptions & { host: string }): Step[] {
  const list = Array.isArray(sets) ? sets : [sets];
  const what = opts.what ?? 'host packages';
  return [
    {
      id: opts.id,
      title: opts.title,
      host: opts.host,
      phase: opts.phase,
      ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
      timeoutMs: 20 * 60_000,
      async probe(ctx) {
        const { done, reason } = await probeSet(ctx, list, what);
        return { done, reason };
      },
      async apply(ctx) {
        const { set } = await probeSet(ctx, list, what);
        await installPackageSet(ctx, set, `${opts.id}-${set.os}`);
      },
      async verify(ctx) {
        const { set } = await probeSet(ctx, list, what);
        const missing = await missingPackages(ctx, set.install);
        if (missing.length) throw new ApplianceError('FAILED', `${ctx.host}: ${missing.join(', ')} still not installed after apt ran (see the step's log).`);
      },
    },
  ];
}

// ---- Docker ---------------------------------------------------------------------------------

/** Compose v2 `up --wait` exists since 2.1.1. */
export { versionAtLeast };

export const COMPOSE_MIN_VERSION = '2.1.1';

export interface DockerVersion {
  /** Docker Engine (server) version, e.g. "20.10.24+dfsg1"; null when no daemon answers. */
  server: string | null;
  client: string | null;
  /** `docker compose version --short`, e.g. "2.26.1-4"; null when the plugin is missing. */
  compose: string | null;
}


/** Docker Engine, CLI and Compose versions on the host (read-only; root, as the socket needs). */
export async function dockerVersion(ctx: StepContext): Promise<DockerVersion> {
  // Without a daemon `docker version` exits 1 but still prints the client part.
  const v = await ctx.probeExec(['docker', 'version', '--format', '{{.Client.Version}}|{{.Server.Version}}'], { sudo: true, allowFailure: true, timeoutMs: 20_000 });
  const [client, server] = v.stdout.trim().split('\n')[0]!.split('|');
  const c = client ? await ctx.probeExec(['docker', 'compose', 'version', '--short'], { sudo: true, allowFailure: true, timeoutMs: 20_000 }) : null;
  const compose = c && c.exitCode === 0 ? c.stdout.trim().split('\n')[0]!.trim() : null;
  return { client: client?.trim() || null, server: v.exitCode === 0 && server?.trim() ? server.trim() : null, compose: compose || null };
}

/** Whether a Docker found on the host is good enough to use as it is; the reason names what is missing. */
export function dockerSufficient(v: DockerVersion, minVersion: string): { ok: boolean; reason: string } {
  if (!v.client) return { ok: false, reason: 'Docker is not installed' };
  if (!v.server) return { ok: false, reason: `Docker ${v.client} is installed but its daemon does not answer` };
  if (!versionAtLeast(v.server, minVersion)) return { ok: false, reason: `Docker ${v.server} is older than ${minVersion}` };
  if (!v.compose) return { ok: false, reason: `Docker ${v.server} has no Compose v2 plugin (docker compose)` };
  if (!versionAtLeast(v.compose, COMPOSE_MIN_VERSION)) return { ok: false, reason: `Compose ${v.compose} is older than ${COMPOSE_MIN_VERSION}` };
  return { ok: true, reason: `Docker ${v.server} with Compose ${v.compose} (at least ${minVersion})` };
}

/** Polls until the daemon answers (docker.service may still be starting after apt). */
async function waitForDocker(ctx: StepContext, minVersion: string, timeoutMs = 90_000): Promise<DockerVersion> {
  const until = Date.now() + timeoutMs;
  let v = await dockerVersion(ctx);
  while (!v.server && Date.now() < until && !ctx.signal.aborted) {
    await new Promise((r) => setTimeout(r, 1000));
    v = await dockerVersion(ctx);
  }
  const s = dockerSufficient(v, minVersion);
  if (!s.ok) throw new ApplianceError('FAILED', `${ctx.host}: ${s.reason} (journalctl -u docker on the host says why).`);
  return v;
}

/**
 * Step "docker.install": a host that already runs Docker of stack.docker.minVersion or later
 * with Compose v2 keeps it (done); otherwise the bundle's set for the host's OS is installed,
 * docker.service enabled and started, and the daemon must answer. Write /etc/docker/daemon.json
 * in a step before this one: the package starts the daemon at once, with whatever it finds.
 */
export function dockerInstallSteps(docker: StackDeclaration['docker'], opts: HostPackageStepOptions & { host: string }): Step[] {
  return [
    {
      id: opts.id,
      title: opts.title,
      host: opts.host,
      phase: opts.phase,
      ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
      timeoutMs: 20 * 60_000,
      async probe(ctx) {
        const s = dockerSufficient(await dockerVersion(ctx), docker.minVersion);
        if (s.ok) return { done: true, reason: s.reason };
        // No usable Docker: the OS must have a set (a mismatch fails here, before any change).
        setForOs(docker.packages, await hostOsKey(ctx), ctx.host, 'Docker packages');
        return { done: false, reason: `${s.reason}: install it from the bundle` };
      },
      async apply(ctx) {
        const set = setForOs(docker.packages, await hostOsKey(ctx), ctx.host, 'Docker packages');
        await installPackageSet(ctx, set, `${opts.id}-${set.os}`);
        await ctx.exec(['systemctl', 'enable', '--now', 'containerd.service', 'docker.service'], { sudo: true, timeoutMs: 120_000 });
      },
      async verify(ctx) {
        const v = await waitForDocker(ctx, docker.minVersion);
        ctx.log(`Docker ${v.server}, Compose ${v.compose}`);
      },
    },
  ];
}
