import type { VerifiedBundle } from '../../bundle/verified.js';
import type { StackDeclaration } from '../../bundle/stack.js';
import { isApplianceError, throwIfAborted } from '../../errors.js';
import type { OnEvent } from '../../events/index.js';
import { measureClockOffset } from '../../hardware/clock-offset.js';
import { probeHosts, type HostProbeResult } from '../../hardware/remote.js';
import { redactText } from '../../redact.js';
import type { Site } from '../../site/index.js';
import { defaultProfileName, getProfile } from '../../sizing/profiles.js';
import { sizeSite } from '../../sizing/verdict.js';
import type { Target } from '../../targets/index.js';
import type { HostVars } from '../types.js';
import { bundleCheck } from './bundle-check.js';
import { diskCheck } from './disk-check.js';
import { clockCheck, hardwareCheck, osCheck } from './host-facts-checks.js';
import { dockerCheck } from './docker-check.js';
import { isFatal, readDataFs, readDockerVersion, readListeners, readOwnPorts, readStagedBytes, sudoCheck } from './host-reads.js';
import { portsCheck } from './ports-check.js';
import { preflightCheck, type PreflightCheck, type PreflightHost, type PreflightReport } from './schema.js';

export interface PreflightInput {
  site: Site;
  bundle: VerifiedBundle;
  stack: StackDeclaration;
  /** Open targets of the hosts to check (the caller opens and closes them). */
  targets: Target[];
  /** Per host: stack, dataDir, stagingDir... (a host here without a target fails as not connected). */
  vars: Record<string, HostVars>;
  /** Bytes of the bundle each host receives (images and packages it lacks). */
  bundleShare: Record<string, number>;
  /** TCP ports the stack publishes on each host. */
  requiredPorts: Record<string, number[]>;
  /** Why a host of `vars` has no target (its connection failed): shown in its "reachable" failure. */
  connectErrors?: Record<string, string>;
  /**
   * Sizing profile for the hardware verdict; default: the production profile of the site's
   * topology. Pass "lab" for practice-lab sites, as `appliance hardware --site DIR --profile lab`.
   */
  profile?: string;
  signal?: AbortSignal;
  onEvent?: OnEvent;
  task?: string;
}

/**
 * The install preflight: read-only checks on every host, in parallel, before anything changes:
 * bundle fits the site, hardware verdict, OS and systemd, clock skew, sudo, Docker present or in
 * the bundle for the host's OS, ports free, room on the data filesystem. Never throws for a
 * host's problem (an unreachable host is a failed check); throws only CANCELLED, and VALIDATION
 * for an unknown profile. `ok` is false when any check fails.
 */
export async function runPreflight(input: PreflightInput): Promise<PreflightReport> {
  const { site, signal, onEvent } = input;
  const task = input.task ?? 'install.preflight';
  const topology = site.config.topology;
  const profile = getProfile(input.profile ?? defaultProfileName(topology), topology);
  throwIfAborted(signal);
  const bundle = bundleCheck(input.bundle, topology, input.stack);
  for (const t of input.targets) onEvent?.({ type: 'step', task, step: `preflight ${t.name}`, host: t.name, title: `Preflight checks on ${t.name}`, state: 'running' });

  // The hardware probe (which also measures the clock offset) and the other reads run side by
  // side on every host: a re-run's preflight costs about one probe. A failed host keeps its error.
  const [probed, reads] = await Promise.all([probeHosts(input.targets, { signal, onEvent, task }), Promise.all(input.targets.map((t) => readHost(t, input)))]);
  throwIfAborted(signal);
  const sizing = sizeSite({ profile, topology, hosts: probed, bundleBytes: null });

  const hosts = await Promise.all(
    input.targets.map(async (t, i): Promise<PreflightHost> => {
      const probe = probed.find((p) => p.host === t.name)!;
      const hostSizing = sizing.hosts.find((h) => h.host === t.name)!;
      const checks = [bundle, ...(await hostChecks(t, probe, hostSizing.checks, reads[i]!, profile, input))];
      throwIfAborted(signal);
      const failed = checks.filter((c) => c.status === 'fail');
      for (const c of checks.filter((x) => x.status !== 'pass')) {
        onEvent?.({ type: 'log', task, host: t.name, stream: c.status === 'fail' ? 'error' : 'warn', line: redactText(`${c.title}: ${c.detail}`) });
      }
      onEvent?.({ type: 'step', task, step: `preflight ${t.name}`, host: t.name, state: failed.length ? 'failed' : 'done', ...(failed.length ? { error: `${failed.length} check(s) failed` } : {}) });
      return { host: t.name, checks };
    }),
  );

  // A host the plan names but nobody could connect to.
  for (const name of Object.keys(input.vars)) {
    if (hosts.some((h) => h.host === name)) continue;
    const why = input.connectErrors?.[name];
    const detail = why ? `could not connect: ${redactText(why)}` : 'no connection to this host was opened';
    hosts.push({ host: name, checks: [bundle, preflightCheck('reachable', 'Host reachable', 'fail', detail, 'Check the address, the port and the credentials (appliance targets test --site DIR).')] });
  }
  // Checks across hosts (number of servers; clock skew between K3s nodes...), when not passing.
  const cluster = sizing.cluster.filter((c) => c.status === 'warn' || c.status === 'fail');
  if (cluster.length) {
    hosts.push({ host: 'cluster', checks: cluster.map((c) => preflightCheck(c.id, c.title, c.status === 'fail' ? 'fail' : 'warn', `${c.measured} (needs ${c.required})`, c.remediation ?? undefined)) });
  }
  return { ok: hosts.every((h) => h.checks.every((c) => c.status !== 'fail')), hosts };
}

type SizingChecks = Parameters<typeof hardwareCheck>[0]['checks'];

/** What the reads beside the probe found on one host; `lost` when the connection dropped meanwhile. */
interface HostReads {
  sudo?: PreflightCheck;
  dockerVersion?: string | null;
  ports?: PreflightCheck;
  disk?: PreflightCheck;
  lost?: string;
}

/** sudo first (the other reads use it when it works), then Docker, ports and disk side by side. */
async function readHost(t: Target, input: PreflightInput): Promise<HostReads> {
  const { signal } = input;
  try {
    const sudo = await sudoCheck(t as Target & { sudoMode?: () => Promise<string> }, signal);
    const asRoot = sudo.status === 'pass';
    const vars = input.vars[t.name];
    const [dockerVersion, ports, disk] = await Promise.all([
      readDockerVersion(t, asRoot, signal),
      vars ? readPorts(t, vars, input.requiredPorts[t.name] ?? [], asRoot, signal) : undefined,
      vars ? readDisk(t, vars, input.bundleShare[t.name] ?? 0, asRoot, signal) : undefined,
    ]);
    return { sudo, dockerVersion, ports, disk };
  } catch (e) {
    if (!isFatal(e) || (isApplianceError(e) && e.code === 'CANCELLED')) throw e;
    return { lost: redactText(e instanceof Error ? e.message : String(e)) };
  }
}

async function readPorts(t: Target, vars: HostVars, required: number[], asRoot: boolean, signal?: AbortSignal): Promise<PreflightCheck> {
  const { listeners, processNames } = await readListeners(t, asRoot, signal);
  // Only a port held by docker-proxy can be our own stack's: ask Docker then, not otherwise.
  const dockerHeld = !!listeners?.some((l) => required.includes(l.port) && l.process === 'docker-proxy');
  const ownPorts = dockerHeld ? await readOwnPorts(t, vars.stack, asRoot, signal) : new Set<number>();
  return portsCheck({ required, listeners, processNames, ownPorts, stack: vars.stack });
}

async function readDisk(t: Target, vars: HostVars, shareBytes: number, asRoot: boolean, signal?: AbortSignal): Promise<PreflightCheck> {
  const fs = await readDataFs(t, vars.dataDir, signal);
  const stagedBytes = fs.df ? await readStagedBytes(t, vars.stagingDir, asRoot, signal) : 0;
  return diskCheck({ dataDir: vars.dataDir, df: fs.df, ...(fs.error ? { dfError: fs.error } : {}), shareBytes, stagedBytes });
}

/** One host's checks from its probe and reads. A connection lost on the way is one "reachable" failure. */
async function hostChecks(t: Target, probe: HostProbeResult, sizing: SizingChecks, reads: HostReads, profile: { name: string; production: boolean }, input: PreflightInput): Promise<PreflightCheck[]> {
  const unreachable = (message: string) => preflightCheck('reachable', 'Host reachable', 'fail', message, 'Check the network path and sshd on the host (appliance targets test --site DIR), then run the install again.');
  if (probe.error?.code === 'UNREACHABLE') return [unreachable(probe.error.message)];
  if (reads.lost) return [unreachable(reads.lost)];
  const checks: PreflightCheck[] = [hardwareCheck({ checks: sizing }, profile)];
  checks.push(probe.report ? osCheck(probe.report) : preflightCheck('os', 'OS release and init system', 'fail', `not read: the hardware probe failed (${probe.error?.message ?? 'no report'})`));
  try {
    checks.push(clockCheck(probe.report ? probe.report.timeSync.offsetMs : await clockOffset(t, input.signal)));
  } catch (e) {
    if (!isFatal(e) || (isApplianceError(e) && e.code === 'CANCELLED')) throw e;
    return [unreachable(redactText(e instanceof Error ? e.message : String(e)))];
  }
  checks.push(reads.sudo!);
  if (input.stack) checks.push(dockerCheck({ os: probe.report?.os ?? null, serverVersion: reads.dockerVersion ?? null, docker: input.stack.docker }));
  if (!reads.ports || !reads.disk) checks.push(preflightCheck('vars', 'Install values', 'fail', `the plan has no values for host ${t.name}`));
  else checks.push(reads.ports, reads.disk);
  return checks;
}
/** Clock offset when the probe could not run (its script failed, but `date` may still answer). */
async function clockOffset(t: Target, signal?: AbortSignal): Promise<number | null> {
  try {
    return (await measureClockOffset(t, { signal })).offsetMs;
  } catch (e) {
    if (isFatal(e)) throw e;
    return null;
  }
}
