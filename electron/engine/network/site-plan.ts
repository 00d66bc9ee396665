import { ApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { type Site, loadSite, updateSite } from '../site/index.js';
import { openSiteTargets } from '../targets/index.js';
import type { Target } from '../targets/index.js';
import { planFromPreset } from './presets.js';
import { type RenderedFile, renderPlan, writeRendered } from './render-all.js';
import { NetworkPlan, type NetworkPlanInput, type PlanProblem, type PlanSiteContext, type PresetName } from './schema.js';
import { validatePlan } from './validate.js';
import { type VerifyOptions, type VerifyReport, verifyPlan } from './verify.js';

/** The facts of a site that planning and validation need. */
export function siteContext(site: Site): PlanSiteContext {
  return {
    topology: site.config.topology,
    domain: site.config.domain,
    hosts: site.config.hosts.map((h) => ({ name: h.name, role: h.role, ...(h.segment ? { segment: h.segment } : {}) })),
  };
}

export interface SitePlan {
  site: Site;
  plan: NetworkPlan;
  problems: PlanProblem[];
}

/**
 * Loads a site's network plan (site.yaml `network:`) with its validation problems. Throws
 * NOT_FOUND when the site has no plan yet, VALIDATION when the section's shape is broken.
 */
export async function loadSitePlan(dir: string): Promise<SitePlan> {
  const site = await loadSite(dir);
  if (site.config.network === undefined) {
    throw new ApplianceError('NOT_FOUND', `Site ${dir} has no network plan yet: run "appliance network plan --site ${dir}" (or choose a preset on the Network screen).`);
  }
  const problems = validatePlan(site.config.network, siteContext(site));
  const parsed = NetworkPlan.safeParse(site.config.network);
  if (!parsed.success) {
    throw new ApplianceError('VALIDATION', `The network section of ${dir}/site.yaml is malformed: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { problems });
  }
  return { site, plan: parsed.data, problems };
}

/**
 * Creates a plan from a preset for the site's hosts and writes it into site.yaml (replacing
 * any earlier plan). Returns the plan and its problems (a preset plan normally has none).
 */
export async function planSite(dir: string, preset: PresetName = 'onprem-guide'): Promise<SitePlan> {
  let plan: NetworkPlan | undefined;
  const site = await updateSite(dir, (config) => {
    plan = planFromPreset(preset, { topology: config.topology, domain: config.domain, hosts: config.hosts });
    config.network = plan;
  });
  return { site, plan: plan!, problems: validatePlan(plan, siteContext(site)) };
}

/**
 * Writes an edited plan into site.yaml. The shape must be right (else VALIDATION); a plan
 * with validation errors is still saved (work in progress), and its problems are returned:
 * rendering refuses it until they are fixed.
 */
export async function saveSitePlan(dir: string, input: NetworkPlanInput | unknown): Promise<SitePlan> {
  const parsed = NetworkPlan.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `network.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ApplianceError('VALIDATION', `The network plan cannot be saved: ${issues}`);
  }
  const site = await updateSite(dir, (config) => {
    config.network = parsed.data;
  });
  return { site, plan: parsed.data, problems: validatePlan(parsed.data, siteContext(site)) };
}

/** Renders the site's plan into `outDir` (refuses a plan with errors). */
export async function renderSitePlan(dir: string, outDir: string): Promise<{ files: RenderedFile[]; written: string[] }> {
  const { plan, problems } = await loadSitePlan(dir);
  const files = renderPlan(plan, problems);
  const written = await writeRendered(outDir, files);
  return { files, written };
}

/**
 * Proves the site's plan with packets between its hosts over SSH (see verifyPlan). The hosts
 * must already carry the plan's addresses and firewall; the report says flow by flow what
 * was expected and what was seen.
 */
export async function verifySitePlan(
  dir: string,
  passphrase: string,
  opts: VerifyOptions & { onEvent?: OnEvent; signal?: AbortSignal } = {},
): Promise<VerifyReport> {
  const { site, plan, problems } = await loadSitePlan(dir);
  if (problems.some((p) => p.severity === 'error')) throw new ApplianceError('VALIDATION', 'The network plan has errors; run "appliance network check" and fix them before verifying.', { problems });
  throwIfAborted(opts.signal);
  const names = Object.keys(plan.hosts).filter((h) => site.config.hosts.some((s) => s.name === h));
  const opened = await openSiteTargets(site, passphrase, { hosts: names });
  try {
    const targets = new Map<string, Target>(opened.map((t) => [t.name, t]));
    return await verifyPlan(plan, targets, opts);
  } finally {
    await Promise.all(opened.map((t) => t.close()));
  }
}
