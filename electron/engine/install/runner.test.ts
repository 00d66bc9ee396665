import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApplianceEvent } from '../events/index.js';
import { LocalTarget } from '../targets/index.js';
import { Journal, readJournal, summarizeRuns } from './journal.js';
import { assertPlanValid, runPlan, type RunOptions } from './runner.js';
import type { HostVars, Plan, Step, StepContext } from './types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runner-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A step that creates a file on this machine through ctx.exec (so a dry run only records it). */
function fileStep(host: string, id: string, phase: Step['phase'], extra: Partial<Step> = {}): Step {
  const file = () => join(dir, `${host}-${id}`);
  return {
    id,
    title: `create ${id}`,
    host,
    phase,
    probe: async () => ({ done: existsSync(file()), reason: existsSync(file()) ? 'present' : 'missing' }),
    apply: async (ctx: StepContext) => void (await ctx.exec(['touch', file()])),
    verify: async () => {
      if (!existsSync(file())) throw new Error(`${file()} missing after apply`);
    },
    ...extra,
  };
}

function options(over: Partial<RunOptions> = {}): RunOptions & { events: ApplianceEvent[] } {
  const events: ApplianceEvent[] = [];
  const target = new LocalTarget();
  return {
    events,
    context: (host) => ({ host, target, site: {} as never, bundle: {} as never, stack: {} as never, secrets: { get: () => '', names: () => [] }, vars: {} as HostVars }),
    dryRun: false,
    journal: new Journal(join(dir, 'journal.ndjson'), 'run-1'),
    signal: new AbortController().signal,
    onEvent: (e) => events.push(e),
    task: 't1',
    ...over,
  };
}

const plan = (steps: Step[]): Plan => ({ fingerprint: 'f', topology: 'single', hosts: [...new Set(steps.map((s) => s.host))], steps });

describe('runPlan', () => {
  it('applies what probes say is missing, in phase order, and a second run changes nothing and says so', async () => {
    const order: string[] = [];
    const track = (s: Step): Step => ({ ...s, apply: async (ctx) => (order.push(s.id), s.apply(ctx)) });
    const p = plan([track(fileStep('a', 'start', 'start')), track(fileStep('a', 'stage', 'stage')), track(fileStep('b', 'install', 'install'))]);
    const first = await runPlan(p, options());
    expect(first.state).toBe('done');
    expect(order.filter((id) => id !== 'install')).toEqual(['stage', 'start']);
    expect(first.changed).toEqual({ a: ['start', 'stage'], b: ['install'] });
    const second = await runPlan(p, options());
    expect(second.steps.map((s) => s.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(second.summary).toBe('No changes: all 3 steps on 2 hosts were already done.');
  });

  it('a dry run lists the commands apply would run and changes nothing', async () => {
    const r = await runPlan(plan([fileStep('a', 'one', 'install')]), options({ dryRun: true, journal: null }));
    expect(r.steps[0]).toMatchObject({ outcome: 'changed', action: 'apply' });
    expect(r.steps[0]!.commands).toEqual([`touch ${join(dir, 'a-one')}`]);
    expect(existsSync(join(dir, 'a-one'))).toBe(false);
    expect(r.summary).toMatch(/^Would change 1 of 1 steps/);
    expect(existsSync(join(dir, 'journal.ndjson'))).toBe(false);
  });

  it('a failure blocks its dependents on every host, reports the root cause once and lets other lanes stop cleanly', async () => {
    const bad: Step = { ...fileStep('a', 'broken', 'install'), apply: async (ctx) => void (await ctx.exec(['false'])) };
    const r = await runPlan(plan([bad, fileStep('a', 'after', 'start'), fileStep('b', 'needs-a', 'start', { dependsOn: ['a/broken'] })]), options());
    expect(r.state).toBe('failed');
    expect(r.rootCause).toMatchObject({ host: 'a', step: 'broken' });
    expect(r.steps.map((s) => [s.id, s.outcome])).toEqual([['broken', 'failed'], ['after', 'blocked'], ['needs-a', 'blocked']]);
    expect(r.steps[2]!.reason).toBe('blocked: a/broken failed');
    expect(r.summary).toMatch(/^Failed at a\/broken: .*--resume\.$/);
  });

  it('journals intent before apply and the outcome after verify; a torn last line is ignored', async () => {
    const journalPath = join(dir, 'journal.ndjson');
    let seenDuringApply = '';
    const s: Step = { ...fileStep('a', 'x', 'install'), apply: async (ctx) => ((seenDuringApply = await readFile(journalPath, 'utf8')), void (await ctx.exec(['touch', join(dir, 'a-x')]))) };
    const j = new Journal(journalPath, 'run-1');
    j.write({ type: 'run-start', dryRun: false, operator: 'me', fingerprint: 'f', version: '1', resume: false });
    await runPlan(plan([s]), options({ journal: j }));
    expect(seenDuringApply).toContain('"type":"intent"');
    expect(seenDuringApply).not.toContain('"type":"outcome"');
    await writeFile(journalPath, (await readFile(journalPath, 'utf8')) + '{"t":"2026-', { flag: 'w' });
    const entries = await readJournal(journalPath);
    expect(entries.map((e) => e.type)).toEqual(['run-start', 'intent', 'outcome']);
    // The run never wrote run-end: it counts as interrupted, and nothing is in doubt.
    expect(summarizeRuns(entries)).toMatchObject([{ runId: 'run-1', state: 'interrupted', inDoubt: [] }]);
  });

  it('an intent without an outcome is in doubt after a crash, and the next run probes it again', async () => {
    const j = new Journal(join(dir, 'journal.ndjson'), 'crashed');
    j.write({ type: 'run-start', dryRun: false, operator: 'me', fingerprint: 'f', version: '1', resume: false });
    j.write({ type: 'intent', host: 'a', step: 'x', title: 'x' });
    const [crashed] = summarizeRuns(await readJournal(j.path));
    expect(crashed!.inDoubt).toEqual([{ host: 'a', step: 'x' }]);
    const r = await runPlan(plan([fileStep('a', 'x', 'install')]), options({ inDoubt: new Set(['a/x']) }));
    expect(r.steps[0]!.reason).toContain('interrupted in an earlier run');
    expect(r.steps[0]!.outcome).toBe('changed');
  });

  it('cancel stops the running command, marks the rest cancelled and journals it', async () => {
    const ac = new AbortController();
    const slow: Step = { ...fileStep('a', 'slow', 'install'), apply: async (ctx) => void (await ctx.exec(['sleep', '30'])) };
    const p = runPlan(plan([slow, fileStep('a', 'later', 'start')]), options({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 300);
    const r = await p;
    expect(r.state).toBe('cancelled');
    expect(r.steps.map((s) => s.outcome)).toEqual(['cancelled', 'cancelled']);
    const entries = await readJournal(join(dir, 'journal.ndjson'));
    expect(entries.at(-1)).toMatchObject({ type: 'outcome', step: 'slow', outcome: 'cancelled' });
    expect(r.durationMs).toBeLessThan(20_000);
  });

  it('emits step events with phase, outcome and reason, and overall progress in steps', async () => {
    const o = options();
    await runPlan(plan([fileStep('a', 'x', 'install')]), o);
    expect(o.events).toContainEqual(expect.objectContaining({ type: 'step', step: 'x', host: 'a', state: 'done', outcome: 'changed', phase: 'install', reason: 'missing' }));
    expect(o.events).toContainEqual(expect.objectContaining({ type: 'progress', label: 'install', done: 1, total: 1, unit: 'steps' }));
  });
});

describe('assertPlanValid', () => {
  it('refuses cycles, unknown dependencies and duplicate steps', () => {
    expect(() => assertPlanValid(plan([fileStep('a', 'x', 'install', { dependsOn: ['b/y'] }), fileStep('b', 'y', 'install', { dependsOn: ['a/x'] })]))).toThrow(/cycle: .*a\/x -> b\/y -> a\/x|cycle: .*b\/y -> a\/x -> b\/y/);
    expect(() => assertPlanValid(plan([fileStep('a', 'x', 'install', { dependsOn: ['nope'] })]))).toThrow(/depends on a\/nope, which is not in the plan/);
    expect(() => assertPlanValid(plan([fileStep('a', 'x', 'install'), fileStep('a', 'x', 'start')]))).toThrow(/two steps a\/x/);
    expect(() => assertPlanValid(plan([fileStep('a', 'x', 'install', { dependsOn: ['y'] }), fileStep('a', 'y', 'start')]))).toThrow(/later phase/);
  });
});
