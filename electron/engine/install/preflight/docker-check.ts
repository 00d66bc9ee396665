import type { StackDeclaration } from '../../bundle/stack.js';
import { preflightCheck, type PreflightCheck } from './schema.js';

/** "24.0.7", "20.10.24+dfsg1" -> [24, 0]; null when it does not start with major.minor. */
function majorMinor(v: string): [number, number] | null {
  const m = v.trim().match(/^(\d+)\.(\d+)/);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Whether version `have` is at least `min` (both "major.minor[...]"). */
export function versionAtLeast(have: string, min: string): boolean {
  const a = majorMinor(have);
  const b = majorMinor(min);
  if (!a || !b) return false;
  return a[0] !== b[0] ? a[0] > b[0] : a[1] >= b[1];
}

/**
 * Docker: a host running Docker of the stack's minVersion or later is used as it is; otherwise
 * the bundle must carry the Docker packages for the host's OS (ID-VERSION_ID, e.g. debian-12),
 * or the install would stop after staging, mid-way.
 */
export function dockerCheck(input: { os: { family: string; release: string } | null; serverVersion: string | null; docker: StackDeclaration['docker'] }): PreflightCheck {
  const title = 'Docker Engine (present, or in the bundle for this OS)';
  const { serverVersion, docker } = input;
  if (serverVersion && versionAtLeast(serverVersion, docker.minVersion)) return preflightCheck('docker', title, 'pass', `Docker ${serverVersion} runs (≥ ${docker.minVersion}): used as it is`);
  const found = serverVersion ? `Docker ${serverVersion} runs, older than ${docker.minVersion}` : 'no running Docker';
  if (!input.os) return preflightCheck('docker', title, 'fail', `${found}, and the OS could not be read`, 'Check /etc/os-release on the host.');
  const osId = `${input.os.family}-${input.os.release}`;
  const set = docker.packages.find((p) => p.os === osId);
  if (set) return preflightCheck('docker', title, 'pass', `${found}: the bundle's Docker packages for ${osId} (${set.install.join(', ')}) will be installed`);
  return preflightCheck(
    'docker',
    title,
    'fail',
    `${found}, and the bundle has Docker packages only for ${docker.packages.map((p) => p.os).join(', ')}, not ${osId}`,
    `Install on ${docker.packages.map((p) => p.os).join(' or ')}, install Docker ${docker.minVersion} or later on the host first, or use a bundle with Docker packages for ${osId}.`,
  );
}
