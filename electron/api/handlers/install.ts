import { defaultTrustDirs } from '../../engine/bundle/index.js';
import { installSite, installStatus } from '../../engine/install/index.js';
import type { HandlerContext } from '../handler-context.js';
import type { HandlerMap } from '../handlers.js';
import { unlockSite } from '../typed-passphrase.js';

/** Both calls run the same engine function; the plan is a dry run of it. */
async function run(input: { dir: string; bundle?: string | undefined; passphrase?: string | undefined }, ctx: HandlerContext, dryRun: boolean) {
  const passphrase = await unlockSite(input.dir, input.passphrase, dryRun ? 'review the install plan' : 'install the site');
  return installSite({
    dir: input.dir,
    ...(input.bundle ? { bundle: input.bundle } : {}),
    passphrase,
    trustDirs: defaultTrustDirs(ctx.paths),
    trust: [],
    cacheDir: ctx.paths.dataDir,
    dryRun,
    // The screen's Install button continues an interrupted run: finished steps are probed, never repeated.
    resume: true,
    task: ctx.task,
    onEvent: ctx.onEvent,
    signal: ctx.signal,
  });
}

export const installHandlers = {
  'install.plan': async (input, ctx) => {
    const r = await run(input, ctx, true);
    return { preflight: r.preflight, ...(r.run ? { plan: r.run } : {}) };
  },
  'install.run': async (input, ctx) => {
    const r = await run(input, ctx, false);
    return { preflight: r.preflight, ...(r.run ? { run: r.run } : {}) };
  },
  'install.status': async (input) => {
    const s = await installStatus(input.dir);
    return { lastRun: s.lastRun, lock: s.lock };
  },
} satisfies HandlerMap<'install.plan' | 'install.run' | 'install.status'>;
