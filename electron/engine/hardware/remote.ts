import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplianceError, isApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { redactText } from '../redact.js';
import type { Target } from '../targets/index.js';
import { measureClockOffset } from './clock-offset.js';
import { splitProbeOutput, type ProbeOutput } from './probe-output.js';
import { parseProbe } from './probe-parse.js';
import { HardwareReport } from './schema.js';

/** The part of a Target the probe uses (so anything that can run a script can be probed). */
export type ProbeTarget = Pick<Target, 'name' | 'exec'>;

export interface ProbeOptions {
  /**
   * How to read SMBIOS (ECC) when the login user is not root:
   * 'auto' (default) = passwordless `sudo -n` inside the probe, else one `dmidecode` through the
   * target's sudo (which may use the site's password); 'never' = unprivileged only.
   * Only dmidecode ever runs as root: the rest of the probe needs no privilege.
   */
  sudo?: 'auto' | 'never';
  /** Path of hardware-probe.sh; default: installer-assets/probes/ under `resourcesDir` or the repo. */
  scriptPath?: string;
  resourcesDir?: string;
  /** Kill the probe after this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: OnEvent;
  task?: string;
}

function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // electron/engine/hardware (tsx) or dist/electron/engine/hardware (built).
  return resolve(here, here.includes('/dist/electron') ? '../../../..' : '../../..');
}

/** Reads the probe script shipped in installer-assets/probes. */
export async function loadProbeScript(opts: Pick<ProbeOptions, 'scriptPath' | 'resourcesDir'> = {}): Promise<string> {
  const path = opts.scriptPath ?? join(opts.resourcesDir ?? repoRoot(), 'installer-assets', 'probes', 'hardware-probe.sh');
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new ApplianceError('NOT_FOUND', `The hardware probe script ${path} is missing from this installation (${(e as Error).message}).`);
  }
}

/**
 * Probes one host over its Target: one read-only script (installer-assets/probes/hardware-probe.sh)
 * on stdin, plus a few `date` calls to measure the clock offset to this machine. Returns the same
 * HardwareReport as the local detector, validated by its zod schema. Missing tools degrade single
 * fields (with warnings); only an unreachable host or a failed shell throws.
 */
export async function probeHost(target: ProbeTarget, opts: ProbeOptions = {}): Promise<HardwareReport> {
  const script = await loadProbeScript(opts);
  const marker = `::appliance-probe-${randomBytes(8).toString('hex')}::`;
  const log = (stream: 'info', line: string) => opts.task && opts.onEvent?.({ type: 'log', task: opts.task, host: target.name, stream, line: redactText(line) });
  throwIfAborted(opts.signal);

  const clockWarnings: string[] = [];
  let clockOffsetMs: number | null = null;
  try {
    const clock = await measureClockOffset(target, { signal: opts.signal });
    clockOffsetMs = Math.round(clock.offsetMs * 10) / 10;
    if (clock.resolutionMs >= 1000) clockWarnings.push('timeSync.offsetMs: the remote date has no sub-second field; offset accurate to about 1 s');
  } catch (e) {
    if (isApplianceError(e) && (e.code === 'UNREACHABLE' || e.code === 'CANCELLED')) throw e;
    clockWarnings.push(`timeSync.offsetMs: could not read the remote clock (${e instanceof Error ? e.message : String(e)})`);
  }

  const collectedAt = new Date().toISOString();
  const args = opts.sudo === 'never' ? [marker, 'nosudo'] : [marker];
  const res = await target.exec({ script, args, label: 'hardware-probe' }, { timeoutMs: opts.timeoutMs ?? 60_000, signal: opts.signal, allowFailure: true });
  const out = splitProbeOutput(res.stdout, res.stderr, marker);
  if (out.sections.size === 0) {
    throw new ApplianceError('FAILED', `The hardware probe printed nothing usable on ${target.name} (exit status ${res.exitCode}): ${redactText(res.stderr.trim().split('\n').slice(-3).join(' ')) || 'no error output'}.`, {
      host: target.name,
    });
  }

  if (out.notes.includes('dmidecode-needs-root') && opts.sudo !== 'never') await dmidecodeThroughSudo(target, out, opts, log);

  const report = parseProbe(out, { host: target.name, collectedAt, clockOffsetMs });
  report.warnings.push(...clockWarnings);
  // Degraded fields are facts about the host, not problems of the run: info, and listed in the report.
  for (const w of report.warnings) log('info', w);
  const parsed = HardwareReport.safeParse(report);
  if (!parsed.success) {
    throw new ApplianceError('INTERNAL', `The hardware report of ${target.name} does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  }
  return parsed.data;
}

/**
 * The probe found no passwordless sudo: try dmidecode alone through the target's own sudo
 * (it knows the site's sudo password when there is one). Refusal leaves ECC unknown.
 */
async function dmidecodeThroughSudo(target: ProbeTarget, out: ProbeOutput, opts: ProbeOptions, log: (s: 'info', l: string) => void): Promise<void> {
  try {
    const r = await target.exec({ script: 'exec dmidecode -t 16\n', label: 'dmidecode' }, { sudo: true, timeoutMs: 20_000, signal: opts.signal, allowFailure: true });
    if (r.exitCode === 0) {
      out.notes = out.notes.filter((n) => n !== 'dmidecode-needs-root');
      out.sections.set('dmidecode', { lines: r.stdout.split('\n'), rc: 0, stderr: r.stderr });
    }
  } catch (e) {
    if (isApplianceError(e) && (e.code === 'UNREACHABLE' || e.code === 'CANCELLED')) throw e;
    log('info', `sudo dmidecode refused (${e instanceof Error ? e.message : String(e)}); ECC stays unknown`);
  }
}

export interface HostProbeResult {
  host: string;
  report: HardwareReport | null;
  /** Why the host could not be probed (unreachable, auth, shell failed). */
  error: { code: string; message: string } | null;
}

/**
 * Probes several hosts in parallel. Emits a step per host ("probe <host>") and item progress;
 * one host failing does not stop the others: its result carries the error instead.
 */
export async function probeHosts(targets: ProbeTarget[], opts: ProbeOptions = {}): Promise<HostProbeResult[]> {
  const task = opts.task ?? 'hardware.probe';
  let done = 0;
  const emitProgress = () => opts.onEvent?.({ type: 'progress', task, label: 'hardware probe', done, total: targets.length, unit: 'items' });
  emitProgress();
  return Promise.all(
    targets.map(async (t): Promise<HostProbeResult> => {
      const step = `probe ${t.name}`;
      opts.onEvent?.({ type: 'step', task, step, host: t.name, title: `Probe the hardware of ${t.name}`, state: 'running' });
      try {
        const report = await probeHost(t, { ...opts, task });
        opts.onEvent?.({ type: 'step', task, step, host: t.name, state: 'done' });
        return { host: t.name, report, error: null };
      } catch (e) {
        const code = isApplianceError(e) ? e.code : 'INTERNAL';
        const message = redactText(e instanceof Error ? e.message : String(e));
        opts.onEvent?.({ type: 'step', task, step, host: t.name, state: code === 'CANCELLED' ? 'cancelled' : 'failed', error: message });
        return { host: t.name, report: null, error: { code, message } };
      } finally {
        done++;
        emitProgress();
      }
    }),
  );
}
