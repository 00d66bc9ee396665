/**
 * Targets: the machines commands run on (site hosts over SSH, or this machine).
 * See docs/sites-and-targets.md.
 */
export type { Target, TargetCommand, ExecOptions, ExecResult, UploadOptions, UploadResult, AuditEntry, AuditSink } from './target.js';
export { SshTarget, type SshTargetOptions, type Negotiated } from './ssh-target.js';
export { LocalTarget } from './local-target.js';
export { openTarget, openSiteTargets, siteAuditSink, type OpenTargetOptions } from './open.js';
export { scanHostKey, acceptHostKey, type ScannedHostKey } from './host-keys.js';
export { shellQuote, shellQuoteArg } from './shell-quote.js';
export { sshFingerprint } from './fingerprint.js';
export { fileAuditSink } from './audit.js';
export { uploadVia, downloadVia, normalizeDigest, partPath } from './transfer.js';
export { uploadToHosts, type HostUploadResult } from './upload-to-hosts.js';
export { testTargets, type TargetTestResult } from './test-targets.js';
