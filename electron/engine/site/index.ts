/**
 * Sites: the folder an engineer owns for one hospital (site.yaml, secrets.enc, pki/, logs).
 * See docs/sites-and-targets.md.
 */
export { SiteConfig, SiteHost, HostAddress, LoginUser, SiteBundleRef, HostKeyFingerprint, HostRole, HostAuth, Topology, SITE_SCHEMA_VERSION } from './schema.js';
export type { SiteHostInput } from './schema.js';
export { sitePaths, hostSecretKeys, type SitePaths } from './paths.js';
export { loadSite, updateSite, initSite, assertNoEarlierSite, type Site, type InitSiteOptions } from './store.js';
export { readSecrets, writeSecrets, createSecrets, updateSecrets, encryptSecrets, decryptSecrets } from './secrets.js';
export { resolvePassphrase, assertNewPassphrase, readStdinSecret, MIN_PASSPHRASE_LENGTH, type ResolvePassphraseOptions } from './passphrase.js';
export { writeFileAtomic, createFileExclusive } from './atomic-write.js';
export { addressProblem, userProblem } from './host-fields.js';
export { summarizeSite, type SiteSummary } from './summary.js';
export { initSiteWithSecrets, addHost, parseHostInput, siteFromLab, type AddHostInput } from './actions.js';
