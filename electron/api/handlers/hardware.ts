import { detectLocalHardware } from '../../engine/hardware/index.js';
import { loadSite } from '../../engine/site/index.js';
import { loadProfiles, probeSiteHardware } from '../../engine/sizing/index.js';
import type { HandlerMap } from '../handlers.js';
import { unlockSite } from '../typed-passphrase.js';

export const hardwareHandlers = {
  'hardware.local': async () => detectLocalHardware(),
  'hardware.profiles': async () => {
    const f = loadProfiles();
    return { profiles: f.profiles.map((p) => ({ name: p.name, title: p.title, production: p.production, topology: p.topology })), notes: f.notes };
  },
  'hardware.site': async (input, ctx) => {
    const site = await loadSite(input.dir);
    return probeSiteHardware(site, await unlockSite(input.dir, input.passphrase, 'reach its hosts'), {
      ...(input.profile ? { profile: input.profile } : {}),
      ...(input.hosts ? { hosts: input.hosts } : {}),
      ...(input.bundleBytes !== undefined ? { bundleBytes: input.bundleBytes } : {}),
      resourcesDir: ctx.paths.resourcesDir,
      onEvent: ctx.onEvent,
      signal: ctx.signal,
      task: ctx.task,
    });
  },
} satisfies HandlerMap<'hardware.local' | 'hardware.profiles' | 'hardware.site'>;
