import type { StackDeclaration } from '../../bundle/stack.js';
import { versionAtLeast } from '../version.js';
import { preflightCheck, type PreflightCheck } from './schema.js';

export { versionAtLeast };

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
