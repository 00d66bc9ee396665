import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { redactText } from '../redact.js';
import { sitePaths } from '../site/index.js';
import type { RunReport, StepOutcome } from './types.js';

/**
 * The site's install journal (DIR/journal.ndjson): write-ahead, one JSON line per transition,
 * fsynced before the work it announces. `intent` is written before a step's apply and an
 * `outcome` after its verify, so an intent without an outcome means "interrupted: in doubt"
 * and the next run probes that step again (probes are the truth, the journal is evidence).
 * It never holds a secret: messages are redacted here again as the last line of defence.
 */
export type JournalEntry =
  | { t: string; run: string; type: 'run-start'; dryRun: boolean; operator: string; fingerprint: string; version: string; resume: boolean }
  | { t: string; run: string; type: 'intent'; host: string; step: string; title: string }
  | { t: string; run: string; type: 'outcome'; host: string; step: string; outcome: StepOutcome; durationMs?: number; reason?: string; error?: string }
  | { t: string; run: string; type: 'run-end'; state: RunReport['state']; summary: string; durationMs: number; changed: Record<string, string[]> };

type Omitted<T> = T extends unknown ? Omit<T, 't' | 'run'> : never;

export class Journal {
  constructor(
    readonly path: string,
    readonly run: string,
  ) {}

  static forSite(dir: string, run: string): Journal {
    return new Journal(sitePaths(dir).journal, run);
  }

  /** Appends and fsyncs one entry (synchronously: it must be on disk before the step starts). */
  write(entry: Omitted<JournalEntry>): void {
    const e = { t: new Date().toISOString(), run: this.run, ...entry } as JournalEntry;
    if ('error' in e && e.error) e.error = redactText(e.error);
    if ('reason' in e && e.reason) e.reason = redactText(e.reason);
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, JSON.stringify(e) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Every entry of a journal; a torn last line (a crash mid-write) and foreign lines are skipped. */
export async function readJournal(path: string): Promise<JournalEntry[]> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as JournalEntry;
      if (e && typeof e === 'object' && typeof e.type === 'string' && typeof e.run === 'string') out.push(e);
    } catch {
      // torn write of a crashed run: the entries before it stand
    }
  }
  return out;
}

export interface RunSummary {
  runId: string;
  dryRun: boolean;
  /** interrupted = started, never ended (a crash, kill -9, a closed laptop). */
  state: 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
  startedAt: string;
  durationMs?: number;
  summary?: string;
  changed?: Record<string, string[]>;
  /** Steps with an intent and no outcome in this run: in doubt, probed again on resume. */
  inDoubt: { host: string; step: string }[];
}

/** The runs in the journal, oldest first (`running` only for the run holding the lock). */
export function summarizeRuns(entries: JournalEntry[], liveRun?: string): RunSummary[] {
  const runs = new Map<string, RunSummary & { open: Map<string, { host: string; step: string }> }>();
  for (const e of entries) {
    let r = runs.get(e.run);
    if (!r && e.type === 'run-start') {
      r = { runId: e.run, dryRun: e.dryRun, state: e.run === liveRun ? 'running' : 'interrupted', startedAt: e.t, inDoubt: [], open: new Map() };
      runs.set(e.run, r);
    }
    if (!r) continue;
    if (e.type === 'intent') r.open.set(`${e.host}/${e.step}`, { host: e.host, step: e.step });
    if (e.type === 'outcome') r.open.delete(`${e.host}/${e.step}`);
    if (e.type === 'run-end') Object.assign(r, { state: e.state, durationMs: e.durationMs, summary: e.summary, changed: e.changed });
  }
  return [...runs.values()].map(({ open, ...r }) => ({ ...r, inDoubt: [...open.values()] }));
}

/** The last real (not dry) run, if any. */
export function lastRealRun(entries: JournalEntry[], liveRun?: string): RunSummary | undefined {
  return summarizeRuns(entries, liveRun)
    .filter((r) => !r.dryRun)
    .at(-1);
}
