import type { OnEvent } from '../events/index.js';
import { parseIp } from '../network/index.js';
import { loadSite, readSecrets, sitePaths, updateSite } from '../site/index.js';
import { ApplianceError } from '../errors.js';
import { initCa, loadCa, type InitCaOptions, unlockCa } from './ca.js';
import { type ClearKeyMigration, encryptClearKeys, findClearKeys } from './clear-keys.js';
import { exportCa, type ExportCaResult } from './export-ca.js';
import { exportServerKey, type ExportKeyForm, type ExportKeyResult } from './export-key.js';
import { DEFAULT_RENEW_WITHIN_DAYS, issueCertificates, type PassphraseSource } from './issue.js';
import { permittedNamesFor } from './name-constraints.js';
import { certificatePlan, constraintInputs, rememberedExtraNames } from './plan.js';
import { type DerivedKey, deriveKey, derivedKeyOf, PassphraseKeys, PBKDF2_ITERATIONS } from './pkcs8.js';
import { pkiPaths } from './paths.js';
import { haproxyPem, readServerKey } from './server-keys.js';
import type { CaStatus, CertificateListing, IssueResult } from './schema.js';
import { caStatus, listCertificates } from './status.js';

/**
 * The PKI of a site folder: the functions the CLI and the API call. They read site.yaml (domain,
 * hosts, network plan) and work on DIR/pki/. The passphrase is the site passphrase.
 */

/**
 * CA state and issued certificates. Needs no passphrase. `clearKeyFiles` is a finding: files
 * under pki/ holding an unencrypted private key (written by an older version).
 */
export async function sitePkiStatus(dir: string, now = new Date()): Promise<{ site: string; ca: CaStatus; certificates: CertificateListing[]; clearKeyFiles: string[] }> {
  const site = await loadSite(dir);
  const pkiDir = sitePaths(dir).pkiDir;
  const ca = await caStatus(pkiDir, now);
  return { site: site.config.name, ca, certificates: ca.present ? await listCertificates(pkiDir, now) : [], clearKeyFiles: await findClearKeys(pkiDir) };
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

/**
 * Encrypts, in place, every private key an older version left in clear under pki/ (also in
 * retired/), and removes the clear haproxy.pem files. Asks for the passphrase only when there
 * is something to encrypt; it must unlock the CA key (or open secrets.enc when there is no CA).
 */
export async function encryptSiteKeys(dir: string, opts: { passphrase: PassphraseSource }): Promise<ClearKeyMigration> {
  await loadSite(dir);
  const pkiDir = sitePaths(dir).pkiDir;
  if (!(await findClearKeys(pkiDir)).length) return { encrypted: [], removed: [], left: [] };
  const passphrase = typeof opts.passphrase === 'function' ? await opts.passphrase() : opts.passphrase;
  const ca = await loadCa(pkiDir).catch((e: unknown) => {
    if (e instanceof ApplianceError && e.code === 'NOT_FOUND') return null;
    throw e;
  });
  let derived: DerivedKey;
  if (ca) {
    // As issue does: the CA unlock's derivation seals the keys (no second PBKDF2).
    const keys = new PassphraseKeys(passphrase);
    derived = await derivedKeyOf((await unlockCa(pkiDir, keys)).keyFilePem, keys, pkiPaths(pkiDir).caKey);
  } else {
    [derived] = await Promise.all([deriveKey(passphrase, PBKDF2_ITERATIONS), readSecrets(dir, passphrase)]);
  }
  return encryptClearKeys(pkiDir, derived);
}

/**
 * The clear key of an issued certificate, decrypted in memory for the install engine to send
 * to a host (never written to the site). Pass one PassphraseKeys for several keys: PBKDF2 then
 * runs once. NOT_FOUND, INTEGRITY or PERMISSION (wrong passphrase) as readServerKey says.
 */
export async function readServerKeyPem(dir: string, name: string, passphrase: string | PassphraseKeys): Promise<string> {
  const m = await readServerKey(sitePaths(dir).pkiDir, name, passphrase);
  return m.key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Certificate + chain + clear key for HAProxy's `crt`, built in memory when deploying. */
export async function haproxyPemFor(dir: string, name: string, passphrase: string | PassphraseKeys): Promise<string> {
  return haproxyPem(await readServerKey(sitePaths(dir).pkiDir, name, passphrase));
}

/** Writes one clear key (or HAProxy's combined file) for a manual install; see exportServerKey. */
export async function exportSiteKey(dir: string, opts: { name: string; out: string; passphrase: PassphraseSource; form?: ExportKeyForm }): Promise<ExportKeyResult> {
  await loadSite(dir);
  const passphrase = typeof opts.passphrase === 'function' ? await opts.passphrase() : opts.passphrase;
  return exportServerKey(sitePaths(dir).pkiDir, opts.name, opts.out, passphrase, opts.form);
}
