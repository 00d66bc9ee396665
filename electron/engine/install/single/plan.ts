import { createHash } from 'node:crypto';
import type { NetworkPlan } from '../../network/index.js';
import type { StackDeclaration } from '../../bundle/stack.js';
import { hardeningSteps, hostsFileStep, firewallSteps, type FreshLogin } from '../harden/index.js';
import { hostPackageSteps } from '../host-packages.js';
import { renderComposeProject, SERVICES, stackDirectories, stackPaths, type ComposeRenderInput } from '../render/index.js';
import type { HostVars, Plan, StackSecrets, Step } from '../types.js';
import type { VerifiedBundle } from '../../bundle/verified.js';
import { backupTimerStep, backupVerifiedStep, httpsCheckStep, monitoringCheckStep } from './checks.js';
import { dockerSteps } from './docker-engine.js';
import { imagesLoadStep, imagesStageStep, stackImageRefs } from './images.js';
import { configDigest, stackFileSet, stackFilesStep, type StackTls } from './stack-files.js';
import { dataTierStep, hookStep, stackUpStep, type Project } from './stack-start.js';

export interface SingleServerPlanInput {
  host: string;
  topology: 'single';
  bundle: VerifiedBundle;
  stack: StackDeclaration;
  vars: HostVars;
  secrets: StackSecrets;
  tls: StackTls;
  plan: NetworkPlan | undefined;
  login: FreshLogin;
  /** Identifies what is installed where: site.yaml, bundle manifest, engine version. */
  fingerprint: string;
}

/**
 * The single-server plan (one lane): stage (hardening packages, images) -> install (Docker,
 * images) -> configure (hosts file, Compose project, backup timer) -> start (data tier, vendor
 * hooks, the whole stack) -> verify (HTTPS through the site CA, monitoring, backup + restore
 * test) -> harden (firewall, sysctl, fail2ban, sshd; each guarded against locking us out).
 */
export function singleServerPlan(input: SingleServerPlanInput): Plan {
  const { host, stack, vars } = input;
  const render: ComposeRenderInput = { stack, vars, secrets: input.secrets, site: { domain: vars.appFqdn, apiFqdn: String(vars.apiFqdn), adminEmail: String(vars.adminEmail) } };
  const paths = stackPaths(vars);
  const files = stackFileSet(renderComposeProject(render), input.tls, paths.tlsDir);
  const refs = stackImageRefs(stack);
  const imageIds = refs.map((r) => `${r}=${input.bundle.artifact(r).imageId ?? input.bundle.artifact(r).sha256}`).join('\n');
  const services = stackServices(stack);
  const project: Project = {
    name: stack.name,
    dir: paths.stackDir,
    file: paths.compose,
    services,
    dataServices: [SERVICES.database, SERVICES.cache],
    appService: SERVICES.app,
    configDigest: createHash('sha256').update(configDigest(files)).update(imageIds).digest('hex'),
  };
  const siteValues = { APP_FQDN: vars.appFqdn, API_FQDN: String(vars.apiFqdn), DOMAIN: vars.appFqdn, ADMIN_EMAIL: String(vars.adminEmail), STACK: stack.name };
  const before = stack.hooks.filter((h) => h.when === 'before-app');
  const after = stack.hooks.filter((h) => h.when === 'after-start');
  const hookChain = (hooks: typeof before, first: string) =>
    hooks.map((h, i) => hookStep(host, project, h, { bundleVersion: `${input.bundle.manifest.name} ${input.bundle.manifest.version}`, siteValues, after: i === 0 ? first : `hook.${hooks[i - 1]!.name}` }));
  const beforeSteps = hookChain(before, 'stack.data');
  const up = stackUpStep(host, project, beforeSteps.length ? [beforeSteps.at(-1)!.id] : []);
  const afterSteps = hookChain(after, up.id);
  const proxy = stack.roles.proxy;
  const urls = [`https://${vars.appFqdn}${proxy.httpsPort === 443 ? '' : `:${proxy.httpsPort}`}/`, `https://${vars.appFqdn}${proxy.httpsPort === 443 ? '' : `:${proxy.httpsPort}`}${stack.roles.app.ready.path}`];

  const steps: Step[] = [
    ...(stack.hostPackages.length ? hostPackageSteps(stack.hostPackages, { id: 'packages.host', title: 'Host packages from the bundle (firewall, fail2ban)', phase: 'install', host, what: 'host packages' }) : []),
    imagesStageStep(host, refs),
    ...dockerSteps(host, stack.docker),
    imagesLoadStep(host, refs),
    hostsFileStep(host, input.plan),
    stackFilesStep(host, { dirs: stackDirectories(render), files, composeFile: paths.compose, projectDir: paths.stackDir }),
    backupTimerStep(host, paths),
    dataTierStep(host, project),
    ...beforeSteps,
    up,
    ...afterSteps,
    httpsCheckStep(host, { urls, caFile: `${paths.tlsDir}/ca.crt` }),
    ...(stack.roles.monitoring ? [monitoringCheckStep(host, project, { service: SERVICES.monitoring, port: stack.roles.monitoring.port, targets: scrapeTargets(stack) })] : []),
    backupVerifiedStep(host, paths),
    ...(input.plan ? firewallSteps(host, input.plan, { login: input.login }) : []),
    ...hardeningSteps(host, { login: input.login, ...(input.plan ? { plan: input.plan } : {}) }),
  ];
  return { fingerprint: input.fingerprint, topology: 'single', hosts: [host], steps };
}

/** Compose services the declaration fills. */
export function stackServices(stack: StackDeclaration): string[] {
  const r = stack.roles;
  const out: string[] = [SERVICES.proxy, SERVICES.app, SERVICES.database, SERVICES.cache];
  if (r.monitoring) out.push(SERVICES.monitoring);
  if (r.exporters?.node) out.push(SERVICES.node);
  if (r.exporters?.postgres) out.push(SERVICES.postgres);
  if (r.exporters?.redis) out.push(SERVICES.redis);
  return out;
}

/** Targets Prometheus scrapes: itself, each exporter, the app when it has metrics. */
function scrapeTargets(stack: StackDeclaration): number {
  const e = stack.roles.exporters ?? {};
  return 1 + (e.node ? 1 : 0) + (e.postgres ? 1 : 0) + (e.redis ? 1 : 0) + (stack.roles.app.metricsPath ? 1 : 0);
}
