import { loadSite, sitePaths } from '../site/index.js';
import { readJournal, summarizeRuns, type RunSummary } from './journal.js';
import { readLock } from './lock.js';
import type { LockHolder } from './schema.js';

/** Where a site's install stands: the last run (dry runs included) and the lock holder. No passphrase needed. */
export async function installStatus(dir: string): Promise<{ lastRun: Omit<RunSummary, 'inDoubt'> | null; lastRealRun: RunSummary | null; lock: LockHolder | null }> {
  const site = await loadSite(dir);
  const lock = await readLock(site.dir);
  const runs = summarizeRuns(await readJournal(sitePaths(site.dir).journal), lock ? undefined : undefined);
  const live = (r: RunSummary): RunSummary => (lock && r.state === 'interrupted' && r === runs.at(-1) ? { ...r, state: 'running' } : r);
  const last = runs.at(-1);
  const real = runs.filter((r) => !r.dryRun).at(-1);
  const strip = (r: RunSummary) => {
    const { inDoubt: _inDoubt, ...rest } = r;
    return rest;
  };
  return { lastRun: last ? strip(live(last)) : null, lastRealRun: real ? live(real) : null, lock };
}
