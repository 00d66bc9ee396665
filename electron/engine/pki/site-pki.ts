import type { OnEvent } from '../events/index.js';
import { parseIp } from '../network/index.js';
import { loadSite, readSecrets, sitePaths, updateSite } from '../site/index.js';
import { initCa, type InitCaOptions } from './ca.js';
import { exportCa, type ExportCaResult } from './export-ca.js';
import { DEFAULT_RENEW_WITHIN_DAYS, issueCertificates, type PassphraseSource } from './issue.js';
import { permittedNamesFor } from './name-constraints.js';
import { certificatePlan, constraintInputs, rememberedExtraNames } from './plan.js';
import type { CaStatus, CertificateListing, IssueResult } from './schema.js';
import { caStatus, listCertificates } from './status.js';

/**
 * The PKI of a site folder: the functions the CLI and the API call. They read site.yaml (domain,
 * hosts, network plan) and work on DIR/pki/. The passphrase is the site passphrase.
 */

/** CA state and issued certificates. Needs no passphrase. */
export async function sitePkiStatus(dir: string, now = new Date()): Promise<{ site: string; ca: CaStatus; certificates: CertificateListing[] }> {
  const site = await loadSite(dir);
  const pkiDir = sitePaths(dir).pkiDir;
  const ca = await caStatus(pkiDir, now);
  return { site: site.config.name, ca, certificates: ca.present ? await listCertificates(pkiDir, now) : [] };
}

/** The CA options a caller chooses; the site supplies the rest (folder, name, permitted names, passphrase check). */
export type InitSiteCaOptions = Pick<InitCaOptions, 'passphrase' | 'algorithm' | 'force' | 'iterations' | 'now' | 'signal'>;

/**
 * Creates the site CA, limited by name constraints to the site domain and the network plan's
 * segments and VIP. The passphrase must be the site's: when secrets.enc exists it has to open
 * it (PERMISSION otherwise), so the CA key is never locked under a mistyped passphrase.
 */
export async function initSiteCa(dir: string, opts: InitSiteCaOptions): Promise<CaStatus> {
  const site = await loadSite(dir);
  const c = constraintInputs(site.config);
  const permitted = permittedNamesFor(c.domain, c.cidrs, c.vip);
  const pkiDir = sitePaths(dir).pkiDir;
  await initCa({
    pkiDir,
    siteName: site.config.name,
    permitted,
    passphrase: opts.passphrase,
    algorithm: opts.algorithm,
    force: opts.force,
    iterations: opts.iterations,
    now: opts.now,
    signal: opts.signal,
    checkPassphrase: () => readSecrets(dir, opts.passphrase),
  });
  return caStatus(pkiDir, opts.now);
}

export interface IssueSiteOptions {
  passphrase: PassphraseSource;
  /** More names (DNS or IPv4) for the web certificate; remembered in site.yaml under pki.extraNames. */
  extraNames?: string[];
  renewWithinDays?: number;
  now?: Date;
  task?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/** Issues (or renews) every certificate of the site's plan; see issueCertificates for the rules. */
export async function issueSiteCertificates(dir: string, opts: IssueSiteOptions): Promise<IssueResult[]> {
  const site = await loadSite(dir);
  const extra = (opts.extraNames ?? []).map((n) => (parseIp(n) === null ? n.toLowerCase().replace(/\.$/, '') : n));
  const planned = certificatePlan(site.config as Parameters<typeof certificatePlan>[0], extra);
  const results = await issueCertificates({
    pkiDir: sitePaths(dir).pkiDir,
    planned,
    passphrase: opts.passphrase,
    renewWithinDays: opts.renewWithinDays ?? DEFAULT_RENEW_WITHIN_DAYS,
    now: opts.now,
    task: opts.task,
    onEvent: opts.onEvent,
    signal: opts.signal,
  });
  const remembered = rememberedExtraNames(site.config as Parameters<typeof rememberedExtraNames>[0]);
  const added = extra.filter((n) => !remembered.includes(n));
  if (added.length) {
    await updateSite(dir, (config) => {
      const c = config as typeof config & { pki?: { extraNames?: string[] } };
      c.pki = { ...(c.pki ?? {}), extraNames: [...remembered, ...added] };
    });
  }
  return results;
}

export async function listSiteCertificates(dir: string, now = new Date()): Promise<CertificateListing[]> {
  await loadSite(dir);
  return listCertificates(sitePaths(dir).pkiDir, now);
}

export async function exportSiteCa(dir: string, outDir: string): Promise<ExportCaResult> {
  const site = await loadSite(dir);
  return exportCa(sitePaths(dir).pkiDir, outDir, site.config.name);
}
