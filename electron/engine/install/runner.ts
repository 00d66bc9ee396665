import { randomUUID } from 'node:crypto';
import { ApplianceError, isApplianceError } from '../errors.js';
import { redactText } from '../redact.js';
import type { OnEvent } from '../events/index.js';
import { createStepContext, type ContextInput } from './context.js';
import type { Journal } from './journal.js';
import { PHASES, stepKey, type Plan, type RunReport, type Step, type StepOutcome, type StepReport } from './types.js';

export const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
/** Probes run at once per host on the fast path (OpenSSH allows 10 sessions per connection by default). */
const PROBE_CONCURRENCY = 4;

export interface RunOptions {
  /** The per-host context inputs (target, vars, ...) without the step-specific parts. */
  context(host: string): Omit<ContextInput, 'dryRun' | 'signal' | 'task' | 'onEvent'>;
  dryRun: boolean;
  /** Null in a dry run: a preview writes nothing to the journal. */
  journal: Journal | null;
  /** Steps an interrupted earlier run left in doubt ("host/id"): probed like any other, and said so. */
  inDoubt?: Set<string>;
  signal: AbortSignal;
  onEvent: OnEvent;
  task: string;
  runId?: string;
}

/**
 * Runs a plan: one lane per host, all lanes at once; in a lane, steps in phase order; a step
 * also waits for the steps it depends on (on any host). Each step: probe (already done? then
 * "ok"), else journal the intent, apply, verify, journal "changed". A failure stops its lane and
 * everything depending on it ("blocked", with the root cause reported once); other lanes finish
 * the step they are in and stop. Cancel (the signal) is checked between steps and passed into
 * every command. In a dry run, apply runs against a recorder: the commands it would run are
 * listed and nothing changes.
 */
export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunReport> {
  assertPlanValid(plan);
  const runId = opts.runId ?? randomUUID();
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const outcomes = new Map<string, Deferred<StepOutcome>>(plan.steps.map((s) => [stepKey(s), deferred<StepOutcome>()]));
  const reports = new Map<string, StepReport>();
  let rootCause: RunReport['rootCause'];
  let finished = 0;
  const total = plan.steps.length;
  const { onEvent, task, dryRun, journal } = opts;
  const allDoneReasons = new Map<string, string>();

  /** Every probe, PROBE_CONCURRENCY at a time per host; true when all say done (any error: false). */
  async function allDone(p: Plan, o: RunOptions): Promise<boolean> {
    const byHost = new Map<string, Step[]>();
    for (const st of p.steps) byHost.set(st.host, [...(byHost.get(st.host) ?? []), st]);
    const results = await Promise.all(
      [...byHost.values()].map(async (steps) => {
        const queue = [...steps];
        let ok = true;
        const worker = async () => {
          for (let st = queue.shift(); st && ok; st = queue.shift()) {
            const ctx = createStepContext({ ...o.context(st.host), dryRun: false, signal: o.signal, task, onEvent }, { commands: [] }, AbortSignal.any([o.signal, AbortSignal.timeout(60_000)]));
            const r = await st.probe(ctx).catch(() => ({ done: false, reason: '' }));
            if (!r.done) ok = false;
            else allDoneReasons.set(stepKey(st), r.reason);
          }
        };
        await Promise.all(Array.from({ length: PROBE_CONCURRENCY }, worker));
        return ok;
      }),
    );
    return results.every(Boolean);
  }

  const finish = (step: Step, r: StepReport) => {
    reports.set(stepKey(step), r);
    onEvent({ type: 'step', task, step: step.id, host: step.host, title: step.title, phase: step.phase, state: stepState(r.outcome), outcome: r.outcome, reason: r.reason, ...(r.error ? { error: r.error } : {}) });
    onEvent({ type: 'progress', task, label: 'install', done: ++finished, total, unit: 'steps' });
    outcomes.get(stepKey(step))!.resolve(r.outcome);
  };

  const runStep = async (step: Step): Promise<StepReport> => {
    const base = { host: step.host, id: step.id, title: step.title, phase: step.phase };
    const t0 = Date.now();
    const timeout = AbortSignal.timeout(step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
    const signal = AbortSignal.any([opts.signal, timeout]);
    const recorder = { commands: [] as string[] };
    const ctx = createStepContext({ ...opts.context(step.host), dryRun, signal: opts.signal, task, onEvent }, recorder, signal);
    const doubt = opts.inDoubt?.has(stepKey(step)) ? ' (interrupted in an earlier run: checked again)' : '';
    onEvent({ type: 'step', task, step: step.id, host: step.host, title: step.title, phase: step.phase, state: 'running' });
    let probe: { done: boolean; reason: string };
    try {
      probe = await step.probe(ctx);
    } catch (e) {
      if (!dryRun || isCancel(e, opts.signal)) return failure(base, e, t0, recorder, timeout, step);
      // A dry run cannot always look ahead: the state this probe reads comes from an earlier step.
      probe = { done: false, reason: `cannot check until earlier steps run (${message(e)})` };
    }
    if (probe.done) {
      journal?.write({ type: 'outcome', host: step.host, step: step.id, outcome: 'ok', reason: probe.reason });
      return { ...base, outcome: 'ok', action: 'none', reason: probe.reason + doubt, durationMs: Date.now() - t0 };
    }
    if (dryRun) {
      try {
        await step.apply(ctx);
      } catch (e) {
        if (isCancel(e, opts.signal)) return failure(base, e, t0, recorder, timeout, step);
        recorder.commands.push(`... (further commands depend on what the ones above return: ${message(e)})`);
      }
      return { ...base, outcome: 'changed', action: 'apply', reason: probe.reason, commands: recorder.commands, durationMs: Date.now() - t0 };
    }
    journal?.write({ type: 'intent', host: step.host, step: step.id, title: step.title });
    ctx.log(`${step.title}: ${probe.reason}${doubt}`);
    try {
      await step.apply(ctx);
      await step.verify(ctx);
    } catch (e) {
      return failure(base, e, t0, recorder, timeout, step);
    }
    const durationMs = Date.now() - t0;
    journal?.write({ type: 'outcome', host: step.host, step: step.id, outcome: 'changed', durationMs, reason: probe.reason });
    return { ...base, outcome: 'changed', action: 'apply', reason: probe.reason + doubt, commands: recorder.commands, durationMs };
  };

  const failure = (base: Pick<StepReport, 'host' | 'id' | 'title' | 'phase'>, e: unknown, t0: number, recorder: { commands: string[] }, timeout: AbortSignal, step: Step): StepReport => {
    const cancelled = isCancel(e, opts.signal);
    const error = timeout.aborted && !opts.signal.aborted ? `timed out after ${Math.round((step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS) / 1000)} s: ${message(e)}` : message(e);
    const outcome: StepOutcome = cancelled ? 'cancelled' : 'failed';
    const durationMs = Date.now() - t0;
    if (!dryRun || outcome === 'failed') journal?.write({ type: 'outcome', host: base.host, step: base.id, outcome, durationMs, error });
    if (!cancelled && !rootCause) rootCause = { host: base.host, step: base.id, error };
    return { ...base, outcome, reason: cancelled ? 'cancelled' : 'failed', error, commands: recorder.commands, durationMs };
  };

  // The overall bar exists from the start (0 of N), not only once a first step finished.
  onEvent({ type: 'progress', task, label: 'install', done: 0, total, unit: 'steps' });

  // Fast path of a re-run on an installed site: every probe at once (a few per host, under
  // sshd's MaxSessions); when all say done there is nothing to order, and the run takes as long
  // as the slowest probe instead of the sum of all. Otherwise the lanes run as usual.
  if (!dryRun && !opts.inDoubt?.size && (await allDone(plan, opts))) {
    for (const step of plan.steps) finish(step, { host: step.host, id: step.id, title: step.title, phase: step.phase, outcome: 'ok', action: 'none', reason: allDoneReasons.get(stepKey(step)) ?? 'done' });
    for (const step of plan.steps) journal?.write({ type: 'outcome', host: step.host, step: step.id, outcome: 'ok', reason: reports.get(stepKey(step))!.reason });
  } else await runLanes();

  async function runLanes() {
  const lanes = [...new Set(plan.steps.map((s) => s.host))].map(async (host) => {
    const steps = plan.steps.filter((s) => s.host === host).sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase));
    for (const step of steps) {
      const base = { host: step.host, id: step.id, title: step.title, phase: step.phase };
      const depOutcomes = await Promise.all(deps(step).map(async (k) => [k, await outcomes.get(k)!.promise] as const));
      const badDep = depOutcomes.find(([, o]) => o !== 'ok' && o !== 'changed');
      if (opts.signal.aborted) finish(step, { ...base, outcome: 'cancelled', reason: 'cancelled before it started' });
      else if (badDep) finish(step, { ...base, outcome: 'blocked', reason: `blocked: ${badDep[0]} ${badDep[1]}` });
      else if (rootCause && !dryRun) finish(step, { ...base, outcome: 'blocked', reason: `not started: ${rootCause.host}/${rootCause.step} failed` });
      else finish(step, await runStep(step));
    }
  });
  await Promise.all(lanes);
  }

  const steps = plan.steps.map((s) => reports.get(stepKey(s))!);
  const changed: Record<string, string[]> = {};
  for (const r of steps) if (r.outcome === 'changed') (changed[r.host] ??= []).push(r.id);
  const state: RunReport['state'] = steps.some((r) => r.outcome === 'cancelled') ? 'cancelled' : steps.some((r) => r.outcome === 'failed' || r.outcome === 'blocked') ? 'failed' : 'done';
  return { runId, dryRun, state, startedAt, durationMs: Date.now() - started, steps, changed, ...(rootCause ? { rootCause } : {}), summary: summarize(steps, changed, state, dryRun, rootCause) };
}

/** One line for people: "No changes: ..." / "Changed 14 steps: node1 (14)" / "Would change ...". */
export function summarize(steps: StepReport[], changed: Record<string, string[]>, state: RunReport['state'], dryRun: boolean, rootCause?: RunReport['rootCause']): string {
  const hosts = new Set(steps.map((s) => s.host)).size;
  const n = Object.values(changed).reduce((a, l) => a + l.length, 0);
  const per = Object.entries(changed).map(([h, l]) => `${h} (${l.length})`).join(', ');
  if (state === 'failed' && rootCause) return `Failed at ${rootCause.host}/${rootCause.step}: ${rootCause.error}${n ? `. Changed before that: ${per}` : ''}. Fix the cause, then run again with --resume.`;
  if (state === 'cancelled') return `Cancelled${n ? ` after changing ${per}` : ''}. Run again with --resume to continue.`;
  if (n === 0) return `No changes: all ${steps.length} steps on ${hosts} host${hosts === 1 ? '' : 's'} were already done.`;
  return `${dryRun ? 'Would change' : 'Changed'} ${n} of ${steps.length} steps: ${per}.`;
}

function deps(step: Step): string[] {
  return (step.dependsOn ?? []).map((d) => (d.includes('/') ? d : `${step.host}/${d}`));
}

/** Unique keys, known dependencies, no cycles: a broken plan is a bug, never a half run. */
export function assertPlanValid(plan: Plan): void {
  const byKey = new Map<string, Step>();
  for (const s of plan.steps) {
    if (byKey.has(stepKey(s))) throw new ApplianceError('INTERNAL', `The plan has two steps ${stepKey(s)}.`);
    byKey.set(stepKey(s), s);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (k: string, path: string[]) => {
    if (state.get(k) === 'done') return;
    if (state.get(k) === 'visiting') throw new ApplianceError('INTERNAL', `The plan has a dependency cycle: ${[...path, k].join(' -> ')}.`);
    state.set(k, 'visiting');
    for (const d of deps(byKey.get(k)!)) {
      if (!byKey.has(d)) throw new ApplianceError('INTERNAL', `Step ${k} depends on ${d}, which is not in the plan.`);
      visit(d, [...path, k]);
    }
    state.set(k, 'done');
  };
  for (const k of byKey.keys()) visit(k, []);
  // Within a lane steps run in phase order: a dependency on a later step of the same host would wait forever.
  for (const s of plan.steps)
    for (const d of deps(s)) {
      const dep = byKey.get(d)!;
      if (dep.host === s.host && PHASES.indexOf(dep.phase) > PHASES.indexOf(s.phase)) throw new ApplianceError('INTERNAL', `Step ${stepKey(s)} depends on ${d}, a later phase of the same host.`);
      if (dep.host === s.host && PHASES.indexOf(dep.phase) === PHASES.indexOf(s.phase) && plan.steps.indexOf(dep) > plan.steps.indexOf(s)) throw new ApplianceError('INTERNAL', `Step ${stepKey(s)} depends on ${d}, which comes after it.`);
    }
}

function stepState(o: StepOutcome): 'done' | 'skipped' | 'failed' | 'cancelled' {
  if (o === 'ok' || o === 'changed') return 'done';
  if (o === 'failed') return 'failed';
  if (o === 'cancelled') return 'cancelled';
  return 'skipped';
}

function isCancel(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (isApplianceError(e) && e.code === 'CANCELLED');
}

function message(e: unknown): string {
  return redactText(e instanceof Error ? e.message : String(e));
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
