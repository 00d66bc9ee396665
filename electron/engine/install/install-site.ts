import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { ApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { openVerifiedBundle, type VerifiedBundle } from '../bundle/verified.js';
import { NetworkPlan } from '../network/index.js';
import { issueSiteCertificates, pkiPaths, issuedPaths, readServerKeyPem } from '../pki/index.js';
import { redactText, registerSecret } from '../redact.js';
import { loadSite, sitePaths, updateSite, type Site } from '../site/index.js';
import { openTarget, siteAuditSink, type SshTarget } from '../targets/index.js';
import { siteHostLogin } from './harden/index.js';
import { Journal, lastRealRun, readJournal } from './journal.js';
import { acquireSiteLock, type SiteLock } from './lock.js';
import { runPreflight } from './preflight/index.js';
import { runPlan } from './runner.js';
import type { PreflightReportData } from './schema.js';
import { ensureStackSecrets } from './secrets-vault.js';
import { singleServerPlan } from './single/plan.js';
import { singleServer, singleServerVars } from './single/vars.js';
import { installSettings } from './single/settings.js';
import type { RunReport } from './types.js';

/** Version of the plan's steps: part of the fingerprint journaled with every run. */
export const INSTALL_ENGINE_VERSION = '1';

export interface InstallOptions {
  dir: string;
  /** Bundle path; default: the one site.yaml remembers. A real run remembers a new one. */
  bundle?: string;
  passphrase: string;
  /** Bundle trust: app trust dirs + key files, and the verify cache. */
  trustDirs: string[];
  trust: string[];
  cacheDir: string;
  dryRun?: boolean;
  /** Continue after an interrupted or failed run (refused without it, like dpkg after a crash). */
  resume?: boolean;
  onEvent: OnEvent;
  task: string;
  signal: AbortSignal;
}

export interface InstallResult {
  preflight: PreflightReportData;
  /** Absent when the preflight failed (nothing was changed). */
  run?: RunReport;
  bundle: { path: string; name: string; version: string };
}

/**
 * Installs (or previews, with dryRun) a site from its verified bundle: lock, preflight on every
 * host, then the plan, journaled. Preflight failures stop before any change (the report names
 * every reason). A dry run connects and probes but changes nothing, on the hosts or in the site.
 */
export async function installSite(opts: InstallOptions): Promise<InstallResult> {
  const site = await loadSite(opts.dir);
  const dryRun = opts.dryRun ?? false;
  const bundlePath = opts.bundle ? resolve(opts.bundle) : site.config.bundle?.path ? resolve(site.dir, site.config.bundle.path) : undefined;
  if (!bundlePath) throw new ApplianceError('VALIDATION', `No bundle: pass --bundle PATH (it is remembered in ${sitePaths(site.dir).siteYaml}).`);
  const bundle = await openVerifiedBundle(bundlePath, { trustDirs: opts.trustDirs, trust: opts.trust, cacheDir: opts.cacheDir });
  const stack = bundle.manifest.stack;
  if (!stack) throw new ApplianceError('VALIDATION', `Bundle ${bundle.manifest.name} ${bundle.manifest.version} declares no stack (a "stack:" section in its spec): the installer does not know what to run.`);
  if (site.config.topology !== 'single') throw new ApplianceError('UNSUPPORTED', `Topology ${site.config.topology} is not installable yet: this version installs the single-server (Docker Compose) topology.`);
  if (!bundle.manifest.topologies.includes(site.config.topology)) throw new ApplianceError('VALIDATION', `Bundle ${bundle.manifest.name} is for ${bundle.manifest.topologies.join(', ')}, not ${site.config.topology}.`);

  const lock: SiteLock | null = dryRun ? null : await acquireSiteLock(site.dir, 'install');
  const targets: SshTarget[] = [];
  try {
    const entries = await readJournal(sitePaths(site.dir).journal);
    const last = lastRealRun(entries);
    if (!dryRun && last && last.state !== 'done' && !opts.resume) {
      throw new ApplianceError(
        'CONFLICT',
        `The last install (run ${last.runId}, started ${last.startedAt}) ${last.state === 'interrupted' ? 'was interrupted' : last.state}${last.inDoubt.length ? ` during ${last.inDoubt.map((d) => `${d.host}/${d.step}`).join(', ')}` : ''}. ` +
          `Continue it with: appliance install --site ${site.dir} --resume (finished steps are checked, not repeated).`,
      );
    }
    const host = singleServer(site);
    const settings = installSettings(site.config);
    const vars = singleServerVars(site, stack, host);
    const secrets = await ensureStackSecrets(site.dir, opts.passphrase, stack.name, { dryRun });
    const tls = await siteTls(site, opts, dryRun);
    const siteSecrets = secrets.all;
    throwIfAborted(opts.signal);
    // Each host on its own: one that cannot be reached is a preflight failure naming it, not an exception.
    const audit = siteAuditSink(site);
    const opened = await Promise.allSettled(site.config.hosts.map((h) => openTarget(h, siteSecrets, { siteDir: site.dir, audit, signal: opts.signal })));
    const connectErrors: Record<string, string> = {};
    opened.forEach((o, i) => (o.status === 'fulfilled' ? targets.push(o.value) : (connectErrors[site.config.hosts[i]!.name] = redactText(o.reason instanceof Error ? o.reason.message : String(o.reason)))));
    throwIfAborted(opts.signal);
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));

    const share = shareOf(bundle, stack);
    const preflight = await runPreflight({
      site,
      bundle,
      stack,
      targets,
      vars: { [host.name]: vars },
      bundleShare: { [host.name]: share },
      requiredPorts: { [host.name]: [stack.roles.proxy.httpPort, stack.roles.proxy.httpsPort] },
      ...(settings.profile ? { profile: settings.profile } : {}),
      connectErrors,
      signal: opts.signal,
      onEvent: opts.onEvent,
      task: opts.task,
    });
    if (!preflight.ok) return { preflight, bundle: bundleInfo(bundle) };

    const planData = site.config.network === undefined ? undefined : NetworkPlan.parse(site.config.network);
    const fingerprint = createHash('sha256')
      .update(await readFile(sitePaths(site.dir).siteYaml))
      .update(bundle.manifest.name + bundle.manifest.version + JSON.stringify(stack))
      .update(INSTALL_ENGINE_VERSION)
      .digest('hex');
    const plan = singleServerPlan({ host: host.name, topology: 'single', bundle, stack, vars, secrets, tls, plan: planData, login: siteHostLogin(site, host, siteSecrets), fingerprint });

    const runId = randomUUID();
    const journal = dryRun ? null : Journal.forSite(site.dir, runId);
    journal?.write({ type: 'run-start', dryRun, operator: operator(), fingerprint, version: INSTALL_ENGINE_VERSION, resume: opts.resume ?? false });
    if (!dryRun && opts.bundle && site.config.bundle?.path !== bundlePath) await rememberBundle(site, bundlePath);
    const inDoubt = new Set((last?.inDoubt ?? []).map((d) => `${d.host}/${d.step}`));
    const run = await runPlan(plan, {
      runId,
      dryRun,
      journal,
      inDoubt,
      signal: opts.signal,
      onEvent: opts.onEvent,
      task: opts.task,
      context: (h) => ({ host: h, target: byName[h]!, site, bundle, stack, secrets, vars }),
    });
    journal?.write({ type: 'run-end', state: run.state, summary: run.summary, durationMs: run.durationMs, changed: run.changed });
    return { preflight, run, bundle: bundleInfo(bundle) };
  } finally {
    await Promise.all(targets.map((t) => t.close().catch(() => undefined)));
    await lock?.release();
  }
}

/** The web certificate for the proxy, issued or renewed first when needed (not in a dry run). */
async function siteTls(site: Site, opts: InstallOptions, dryRun: boolean): Promise<{ fullchain: string; key: string; ca: string }> {
  const pki = sitePaths(site.dir).pkiDir;
  if (!dryRun) await issueSiteCertificates(site.dir, { passphrase: opts.passphrase, signal: opts.signal, onEvent: opts.onEvent, task: opts.task });
  const web = issuedPaths(pki, 'web');
  const [fullchain, ca] = await Promise.all([readFile(web.fullchain, 'utf8'), readFile(pkiPaths(pki).caCert, 'utf8')]).catch(() => {
    throw new ApplianceError('NOT_FOUND', `The site has no web certificate yet: create the CA and certificates first (appliance pki init --site ${site.dir}; pki issue).`);
  });
  const key = await readServerKeyPem(site.dir, 'web', opts.passphrase);
  registerSecret(key);
  return { fullchain, key, ca };
}

/** Bytes the host receives: every image and package set of the stack. */
function shareOf(bundle: VerifiedBundle, stack: NonNullable<VerifiedBundle['manifest']['stack']>): number {
  const refs = new Set<string>();
  for (const r of Object.values(stack.roles)) if (r && typeof r === 'object' && 'image' in r) refs.add((r as { image: string }).image);
  for (const e of Object.values(stack.roles.exporters ?? {})) if (e) refs.add(e.image);
  for (const set of [...stack.docker.packages, ...stack.hostPackages]) for (const d of set.debs) refs.add(d);
  return [...refs].reduce((a, r) => a + bundle.artifact(r).size, 0);
}

function bundleInfo(b: VerifiedBundle) {
  return { path: b.path, name: b.manifest.name, version: b.manifest.version };
}

async function rememberBundle(site: Site, path: string): Promise<void> {
  await updateSite(site.dir, (c) => {
    c.bundle = { path };
  });
}

function operator(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}@${hostname()}`;
  }
}
