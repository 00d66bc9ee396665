import type { HardwareReport } from '../../hardware/schema.js';
import { fmtMs } from '../../sizing/host-checks.js';
import type { HostSizing } from '../../sizing/verdict.js';
import { preflightCheck, type PreflightCheck } from './schema.js';

/** The most the host's clock may differ from this laptop's: certificates issued here must be valid there at once. */
export const MAX_CLOCK_SKEW_MS = 1000;

/**
 * Sizing checks the preflight replaces with its own stricter ones: ports (the preflight also
 * tells our own stack's listeners apart) and the clock offset (the preflight fails at 1 s, the
 * sizing profiles only warn).
 */
const COVERED_ELSEWHERE = new Set(['ports', 'clockOffset']);

/** The sizing verdict of one host as one preflight check: fail when any sizing check fails. */
export function hardwareCheck(sizing: Pick<HostSizing, 'checks'>, profile: { name: string; production: boolean }): PreflightCheck {
  const checks = sizing.checks.filter((c) => !COVERED_ELSEWHERE.has(c.id));
  const fails = checks.filter((c) => c.status === 'fail');
  const warns = checks.filter((c) => c.status === 'warn');
  const title = `Hardware (sizing profile ${profile.name}${profile.production ? '' : ', NOT the production sizing'})`;
  const line = (c: (typeof checks)[number]) => `${c.title}: ${c.measured} (needs ${c.required})`;
  if (fails.length) {
    return preflightCheck('hardware', title, 'fail', fails.map(line).join('; '), fails.map((c) => c.remediation).filter(Boolean).join(' '));
  }
  if (warns.length) return preflightCheck('hardware', title, 'warn', warns.map(line).join('; '), warns.map((c) => c.remediation).filter(Boolean).join(' '));
  return preflightCheck('hardware', title, 'pass', `${checks.length} sizing checks pass`);
}

/** OS release and init system: the installer drives systemd units (docker, the backup timer). */
export function osCheck(r: Pick<HardwareReport, 'os' | 'initSystem'>): PreflightCheck {
  const os = `${r.os.distro} (${r.os.family} ${r.os.release}), kernel ${r.os.kernel}`;
  const title = 'OS release and init system';
  if (r.initSystem === 'systemd') return preflightCheck('os', title, 'pass', `${os}, init systemd`);
  return preflightCheck(
    'os',
    title,
    'fail',
    `${os}, init ${r.initSystem ?? 'unknown (PID 1 not readable)'}: systemd is required`,
    'Install on a server that boots with systemd (Ubuntu 22.04/24.04 or Debian 12 as installed): Docker, the backup timer and the hardening are systemd units.',
  );
}

/** Clock offset to this laptop (measured by the hardware probe with measureClockOffset). */
export function clockCheck(offsetMs: number | null): PreflightCheck {
  const title = 'Clock skew to this laptop';
  if (offsetMs === null) return preflightCheck('clock', title, 'fail', 'could not read the server clock', 'Check that `date` works on the server and compare `date -u` there with this laptop.');
  const shown = `${offsetMs >= 0 ? '+' : '-'}${fmtMs(Math.abs(offsetMs))} (${offsetMs >= 0 ? 'server ahead' : 'server behind'})`;
  if (Math.abs(offsetMs) < MAX_CLOCK_SKEW_MS) return preflightCheck('clock', title, 'pass', `${shown}, under ${fmtMs(MAX_CLOCK_SKEW_MS)}`);
  return preflightCheck(
    'clock',
    title,
    'fail',
    `${shown}: must be under ${fmtMs(MAX_CLOCK_SKEW_MS)}`,
    'Set the right time on the server (timedatectl set-time, or point it at the hospital NTP server) or on this laptop: certificates issued here would look not yet valid or expired there.',
  );
}
