/**
 * The install engine (see docs/install.md): plans of steps with probe/apply/verify per host,
 * a write-ahead journal and resume, the site lock, preflight, and the single-server plan.
 */
export { installSite, INSTALL_ENGINE_VERSION, type InstallOptions, type InstallResult } from './install-site.js';
export { runPlan, summarize, assertPlanValid, type RunOptions } from './runner.js';
export { Journal, readJournal, summarizeRuns, lastRealRun, type JournalEntry, type RunSummary } from './journal.js';
export { acquireSiteLock, readLock, forceUnlock, lockPath, type SiteLock } from './lock.js';
export { formatPreflightFailure, runPreflight } from './preflight/index.js';
export { RunReport, StepReport, LockHolder, PreflightReportSchema, type PreflightReportData } from './schema.js';
export { stackSecretKey } from './secrets-vault.js';
export type { Step, StepContext, Plan, HostVars, Phase, StepOutcome } from './types.js';
export { installStatus } from './status.js';
