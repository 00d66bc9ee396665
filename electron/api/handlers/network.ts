import { ApplianceError } from '../../engine/errors.js';
import { listPresets, loadSitePlan, planSite, renderSitePlan, saveSitePlan, siteContext, validatePlan } from '../../engine/network/index.js';
import { loadSite } from '../../engine/site/index.js';
import type { HandlerMap } from '../handlers.js';

export const networkHandlers = {
  'network.presets': async () => ({ presets: listPresets() }),
  'network.plan': async ({ dir, preset }) => {
    const { plan, problems } = await planSite(dir, preset);
    return { plan, problems };
  },
  'network.load': async ({ dir }) => {
    try {
      const { site, plan, problems } = await loadSitePlan(dir);
      const ctx = siteContext(site);
      return { plan, problems, topology: ctx.topology, hosts: ctx.hosts };
    } catch (e) {
      // No plan yet is a normal state for the screen: it offers the presets.
      if (!(e instanceof ApplianceError && e.code === 'NOT_FOUND' && /no network plan/.test(e.message))) throw e;
      const ctx = siteContext(await loadSite(dir));
      return { plan: null, problems: [], topology: ctx.topology, hosts: ctx.hosts };
    }
  },
  'network.validate': async ({ plan, topology, hosts }) => ({ problems: validatePlan(plan, { topology, hosts }) }),
  'network.save': async ({ dir, plan }) => {
    const saved = await saveSitePlan(dir, plan);
    return { plan: saved.plan, problems: saved.problems };
  },
  'network.render': async ({ dir, out }) => {
    const { files, written } = await renderSitePlan(dir, out);
    return { files: files.map((f) => ({ path: f.path, installTo: f.installTo ?? null })), written };
  },
} satisfies HandlerMap<'network.presets' | 'network.plan' | 'network.load' | 'network.validate' | 'network.save' | 'network.render'>;
