import type { StepContext } from '../types.js';

/** `docker compose` for the stack's project: always the same name, directory and file. */
export function composeArgv(project: { name: string; dir: string; file: string }, ...args: string[]): string[] {
  return ['docker', 'compose', '--project-name', project.name, '--project-directory', project.dir, '-f', project.file, ...args];
}

export interface ServiceState {
  service: string;
  state: string;
  health: string;
}

/** The project's containers as Compose sees them (read-only; empty before the first start). */
export async function composePs(ctx: StepContext, project: { name: string; dir: string; file: string }): Promise<ServiceState[]> {
  const r = await ctx.probeExec(composeArgv(project, 'ps', '--all', '--format', '{{.Service}}\t{{.State}}\t{{.Health}}'), { sudo: true, allowFailure: true, timeoutMs: 60_000 });
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((p) => p[0])
    .map(([service, state, health]) => ({ service: service!, state: state ?? '', health: health ?? '' }));
}

/** Services of `want` that are not running and healthy (a service without a healthcheck only needs to run). */
export function unhealthy(ps: ServiceState[], want: string[]): string[] {
  return want.filter((s) => {
    const c = ps.find((p) => p.service === s);
    return !c || c.state !== 'running' || (c.health !== '' && c.health !== 'healthy');
  });
}
