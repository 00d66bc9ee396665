import { ApplianceError } from '../../engine/errors.js';
import { detectLocalHardware } from '../../engine/hardware/index.js';
import { registerSecret } from '../../engine/redact.js';
import { loadSite } from '../../engine/site/index.js';
import { loadProfiles, probeSiteHardware } from '../../engine/sizing/index.js';
import type { HandlerMap } from '../handlers.js';

/**
 * The passphrase that unlocks a site's secrets: the one the engineer typed, else the host's
 * APPLIANCE_PASSPHRASE (console host in tests and kiosks). Replace with the site capability's
 * unlock API when it exists, so the renderer types it once per site.
 */
function sitePassphrase(typed: string | undefined): string {
  const p = typed ?? process.env.APPLIANCE_PASSPHRASE;
  if (!p) throw new ApplianceError('PERMISSION', 'The site is locked: enter the site passphrase to reach its hosts.');
  registerSecret(p);
  return p;
}

export const hardwareHandlers = {
  'hardware.local': async () => detectLocalHardware(),
  'hardware.profiles': async () => {
    const f = loadProfiles();
    return { profiles: f.profiles.map((p) => ({ name: p.name, title: p.title, production: p.production, topology: p.topology })), notes: f.notes };
  },
  'hardware.site': async (input, ctx) => {
    const site = await loadSite(input.dir);
    return probeSiteHardware(site, sitePassphrase(input.passphrase), {
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
