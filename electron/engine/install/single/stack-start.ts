import { createHash } from 'node:crypto';
import { ApplianceError } from '../../errors.js';
import { STACK_SECRETS, type StackHook } from '../../bundle/stack.js';
import type { Step, StepContext } from '../types.js';
import { composeArgv, composePs, unhealthy } from './compose-cli.js';

export interface Project {
  name: string;
  dir: string;
  file: string;
  /** Every service of the project, and those of the data tier (started before migrations). */
  services: string[];
  dataServices: string[];
  /** The app's Compose service (hooks run in it). */
  appService: string;
  /** Fingerprint of files + image ids: a change means `up` must recreate what changed. */
  configDigest: string;
}

const WAIT_TIMEOUT_S = 600;
const marker = (p: Project, name: string) => `${p.dir}/.airgap-appliance/${name}`;

async function readMarker(ctx: StepContext, path: string): Promise<string> {
  const r = await ctx.probeExec(['cat', path], { sudo: true, allowFailure: true });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

async function writeMarker(ctx: StepContext, p: Project, name: string, value: string): Promise<void> {
  await ctx.exec(['install', '-d', '-m', '0700', `${p.dir}/.airgap-appliance`], { sudo: true });
  await ctx.writeFile(marker(p, name), value + '\n', { mode: '0600' });
}

/** Start: the data tier first (database, cache), waited healthy, so migrations can run before the app. */
export function dataTierStep(host: string, p: Project): Step {
  return {
    id: 'stack.data',
    title: 'Start the database and cache',
    host,
    phase: 'start',
    dependsOn: ['stack.files', 'images.load'],
    async probe(ctx) {
      const bad = unhealthy(await composePs(ctx, p), p.dataServices);
      return bad.length ? { done: false, reason: `not running and healthy: ${bad.join(', ')}` } : { done: true, reason: `${p.dataServices.join(', ')} healthy` };
    },
    async apply(ctx) {
      await ctx.exec(composeArgv(p, 'up', '--detach', '--wait', '--wait-timeout', String(WAIT_TIMEOUT_S), ...p.dataServices), { sudo: true, timeoutMs: (WAIT_TIMEOUT_S + 60) * 1000 });
    },
    async verify(ctx) {
      const bad = unhealthy(await composePs(ctx, p), p.dataServices);
      if (bad.length) throw new ApplianceError('FAILED', `Not healthy on ${ctx.host}: ${bad.join(', ')} (see: docker compose logs ${bad.join(' ')}).`);
    },
  };
}

const SITE_VALUE = /\$\{([A-Z_]+)\}/g;

/**
 * A vendor hook (migrations, the initial admin) run once in the app's image with its env:
 * `docker compose run --rm --no-deps`. Its marker on the host records the bundle version and
 * argv it ran with: a re-run skips it, a new bundle version runs it again (hooks must be
 * idempotent, as migrations are). A secret goes in as a read-only file, never argv or env.
 */
export function hookStep(host: string, p: Project, hook: StackHook, opts: { bundleVersion: string; siteValues: Record<string, string>; after: string }): Step {
  const argv = hook.argv.map((a) =>
    a.replace(SITE_VALUE, (whole, name: string) => {
      if ((STACK_SECRETS as readonly string[]).includes(name)) throw new ApplianceError('VALIDATION', `Hook ${hook.name}: a secret (${whole}) cannot go on the command line; declare it as secretFile.`);
      const v = opts.siteValues[name];
      if (v === undefined) throw new ApplianceError('VALIDATION', `Hook ${hook.name}: unknown variable ${whole}.`);
      return v;
    }),
  );
  const stamp = createHash('sha256').update(JSON.stringify({ v: opts.bundleVersion, argv, secret: hook.secretFile ?? null })).digest('hex');
  const name = `hook-${hook.name}`;
  return {
    id: `hook.${hook.name}`,
    title: hook.description ?? `Run the vendor's ${hook.name} hook`,
    host,
    phase: 'start',
    dependsOn: [opts.after],
    timeoutMs: 30 * 60_000,
    async probe(ctx) {
      return (await readMarker(ctx, marker(p, name))) === stamp ? { done: true, reason: `ran for ${opts.bundleVersion}` } : { done: false, reason: `not yet run for ${opts.bundleVersion}` };
    },
    async apply(ctx) {
      const mounts: string[] = [];
      const secretHostPath = `${p.dir}/.airgap-appliance/${hook.name}.secret`;
      if (hook.secretFile) {
        await ctx.exec(['install', '-d', '-m', '0700', `${p.dir}/.airgap-appliance`], { sudo: true });
        // World-readable file in a root-only folder: the container's user (any uid) can read it, no host user can.
        await ctx.writeFile(secretHostPath, ctx.secrets.get(hook.secretFile.secret) + '\n', { mode: '0444', secret: true });
        mounts.push('--volume', `${secretHostPath}:${hook.secretFile.path}:ro`);
      }
      try {
        await ctx.exec(composeArgv(p, 'run', '--rm', '--no-deps', '--no-TTY', ...mounts, p.appService, ...argv), { sudo: true, timeoutMs: 30 * 60_000 });
      } finally {
        if (hook.secretFile) await ctx.exec(['rm', '-f', secretHostPath], { sudo: true });
      }
      await writeMarker(ctx, p, name, stamp);
    },
    async verify(ctx) {
      if ((await readMarker(ctx, marker(p, name))) !== stamp) throw new ApplianceError('FAILED', `Hook ${hook.name} on ${ctx.host} left no record.`);
    },
  };
}

/** Start: every service, waited healthy (`up --wait`); recreated when files or images changed since the last start. */
export function stackUpStep(host: string, p: Project, dependsOn: string[]): Step {
  return {
    id: 'stack.up',
    title: 'Start the whole stack and wait until healthy',
    host,
    phase: 'start',
    dependsOn: ['stack.data', ...dependsOn],
    timeoutMs: (WAIT_TIMEOUT_S + 120) * 1000,
    async probe(ctx) {
      const bad = unhealthy(await composePs(ctx, p), p.services);
      if (bad.length) return { done: false, reason: `not running and healthy: ${bad.join(', ')}` };
      if ((await readMarker(ctx, marker(p, 'started-config'))) !== p.configDigest) return { done: false, reason: 'settings or images changed since the stack last started' };
      return { done: true, reason: `all ${p.services.length} services healthy` };
    },
    async apply(ctx) {
      await ctx.exec(composeArgv(p, 'up', '--detach', '--wait', '--wait-timeout', String(WAIT_TIMEOUT_S), '--remove-orphans'), { sudo: true, timeoutMs: (WAIT_TIMEOUT_S + 60) * 1000 });
      await writeMarker(ctx, p, 'started-config', p.configDigest);
    },
    async verify(ctx) {
      const bad = unhealthy(await composePs(ctx, p), p.services);
      if (bad.length) throw new ApplianceError('FAILED', `Not healthy on ${ctx.host}: ${bad.join(', ')} (see: docker compose logs ${bad.join(' ')}).`);
    },
  };
}
