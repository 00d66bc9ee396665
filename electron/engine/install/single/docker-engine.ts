import type { StackDeclaration } from '../../bundle/stack.js';
import { dockerInstallSteps, dockerSufficient, dockerVersion } from '../host-packages.js';
import type { Step } from '../types.js';
import { readRemote } from '../harden/remote.js';

/**
 * Docker's daemon.json for a host the installer gives Docker to: data on the data filesystem,
 * address ranges away from the site's (Docker's default pools reach into 192.168/16), rotated logs,
 * containers kept running while the daemon restarts (live-restore).
 */
export function daemonJson(vars: { dockerDataRoot: string; dockerBridge?: unknown; dockerAddressPool?: unknown }): string {
  const pool = String(vars.dockerAddressPool ?? '172.30.0.0/16');
  return (
    JSON.stringify(
      {
        'data-root': vars.dockerDataRoot,
        'storage-driver': 'overlay2',
        bip: String(vars.dockerBridge ?? '172.31.1.1/24'),
        'default-address-pools': [{ base: pool, size: 24 }],
        'log-driver': 'json-file',
        'log-opts': { 'max-size': '10m', 'max-file': '3' },
        'live-restore': true,
      },
      null,
      2,
    ) + '\n'
  );
}

/**
 * Install: /etc/docker/daemon.json, before Docker is installed (Debian's postinst starts dockerd
 * at once, and its first start fixes the storage driver and data-root). A host that already runs
 * a sufficient Docker keeps its own settings: moving data-root would hide what it runs.
 */
export function dockerDaemonConfigStep(host: string, minVersion: string): Step {
  return {
    id: 'docker.config',
    title: 'Docker settings (data on the data disk, address ranges, log rotation)',
    host,
    phase: 'install',
    async probe(ctx) {
      const s = dockerSufficient(await dockerVersion(ctx), minVersion);
      if (s.ok) return { done: true, reason: `${s.reason}: used as it is` };
      const current = await readRemote(ctx, '/etc/docker/daemon.json');
      return current === daemonJson(ctx.vars) ? { done: true, reason: 'daemon.json written' } : { done: false, reason: `write /etc/docker/daemon.json (data-root ${ctx.vars.dockerDataRoot})` };
    },
    async apply(ctx) {
      await ctx.exec(['install', '-d', '-m', '0710', ctx.vars.dockerDataRoot], { sudo: true });
      await ctx.exec(['install', '-d', '-m', '0755', '/etc/docker'], { sudo: true });
      await ctx.writeFile('/etc/docker/daemon.json', daemonJson(ctx.vars), { mode: '0644' });
    },
    async verify() {},
  };
}

/** docker.config, then docker.install (the bundle's packages when the host lacks a sufficient Docker). */
export function dockerSteps(host: string, docker: StackDeclaration['docker']): Step[] {
  return [dockerDaemonConfigStep(host, docker.minVersion), ...dockerInstallSteps(docker, { id: 'docker.install', title: 'Docker Engine and Compose v2', phase: 'install', host, dependsOn: ['docker.config'], what: 'Docker packages' })];
}
