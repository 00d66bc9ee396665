/**
 * The site certificate authority: a name-constrained root CA per site, server certificates
 * derived from site.yaml and the network plan, inventory and export. See docs/pki.md.
 */
export { initCa, loadCa, unlockCa, CA_VALIDITY_YEARS, type LoadedCa, type UnlockedCa, type InitCaOptions } from './ca.js';
export { issueCertificates, SERVER_VALIDITY_DAYS, DEFAULT_RENEW_WITHIN_DAYS, type IssueOptions, type PassphraseSource } from './issue.js';
export { certificatePlan, constraintInputs, sitePlan, type PlannedCertificate } from './plan.js';
export { permittedNamesFor, assertNamesPermitted, nameConstraintsDer, parseNameConstraints, type PermittedNames } from './name-constraints.js';
export { encryptPrivateKey, decryptPrivateKey, PassphraseKeys, PBKDF2_ITERATIONS } from './pkcs8.js';
export { readServerKey, haproxyPem, type ServerKeyMaterial } from './server-keys.js';
export { findClearKeys, type ClearKeyMigration } from './clear-keys.js';
export { exportServerKey, type ExportKeyForm, type ExportKeyResult } from './export-key.js';
export { generateKey, type CaAlgorithm, type KeyAlgorithm } from './keys.js';
export { caStatus, listCertificates } from './status.js';
export { exportCa, caFileStem, type ExportCaResult } from './export-ca.js';
export { readInventory, writeInventory } from './inventory.js';
export { pkiPaths, issuedPaths } from './paths.js';
export * from './schema.js';
export {
  sitePkiStatus,
  initSiteCa,
  issueSiteCertificates,
  listSiteCertificates,
  exportSiteCa,
  encryptSiteKeys,
  readServerKeyPem,
  haproxyPemFor,
  exportSiteKey,
  type InitSiteCaOptions,
  type IssueSiteOptions,
} from './site-pki.js';
