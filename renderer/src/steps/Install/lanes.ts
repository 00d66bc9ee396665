import type { ApplianceEvent } from '../../../../electron/api/contract.js';
import type { StepReport } from './install-api.js';

type StepEvent = Extract<ApplianceEvent, { type: 'step' }>;
type LogEvent = Extract<ApplianceEvent, { type: 'log' }>;
type ProgressEvent = Extract<ApplianceEvent, { type: 'progress' }>;

/** What a lane shows per step: the five states of the issue, plus skipped/cancelled. */
export type LaneStepState = 'pending' | 'running' | 'ok' | 'changed' | 'failed' | 'blocked' | 'skipped' | 'cancelled';

export interface LaneStep {
  id: string;
  title: string;
  phase: string;
  state: LaneStepState;
  reason?: string;
  error?: string;
}

export interface Lane {
  host: string;
  steps: LaneStep[];
  /** Progress events that belong to this host (uploads, loads), latest per label. */
  progress: ProgressEvent[];
  logs: LogEvent[];
  counts: Record<LaneStepState, number>;
}

export const PHASE_ORDER = ['preflight', 'stage', 'install', 'configure', 'start', 'verify', 'harden'];

/** A step event's state as a lane shows it: the outcome when finished, else the runner state. */
export function laneState(e: Pick<StepEvent, 'state' | 'outcome'>): LaneStepState {
  if (e.outcome) return e.outcome;
  switch (e.state) {
    case 'running':
      return 'running';
    case 'done':
      return 'ok';
    case 'failed':
      return 'failed';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'pending';
  }
}

/** Does a progress label name this host ("node1", "upload node1", "node1: images")? */
function labelNames(label: string | undefined, host: string): boolean {
  if (!label) return false;
  return new RegExp(`(^|[^\\w.-])${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.-])`).test(label);
}

/**
 * One lane per host: the planned steps (from the plan preview, when there is one) in phase
 * order, overlaid with what the run reported so far; steps the plan did not list (a run without
 * a preview) are added as their events arrive. Progress whose label names the host and log
 * lines of the host go to its lane.
 */
export function buildLanes(input: { planned?: StepReport[]; events?: Record<string, StepEvent>; logs?: LogEvent[]; progress?: Record<string, ProgressEvent>; hosts?: string[] }): Lane[] {
  const byHost = new Map<string, Map<string, LaneStep>>();
  const lane = (host: string) => {
    let m = byHost.get(host);
    if (!m) byHost.set(host, (m = new Map()));
    return m;
  };
  for (const h of input.hosts ?? []) lane(h);
  for (const s of input.planned ?? []) lane(s.host).set(s.id, { id: s.id, title: s.title, phase: s.phase, state: 'pending' });
  for (const e of Object.values(input.events ?? {})) {
    if (!e.host) continue;
    // Preflight reports its own step per host ("preflight node1"); it is shown as the preflight phase.
    const prev = lane(e.host).get(e.step);
    lane(e.host).set(e.step, {
      id: e.step,
      title: e.title ?? prev?.title ?? e.step,
      phase: e.phase ?? prev?.phase ?? (e.step.startsWith('preflight') ? 'preflight' : 'install'),
      state: laneState(e),
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.error ? { error: e.error } : {}),
    });
  }
  const progress = Object.values(input.progress ?? {});
  const logs = input.logs ?? [];
  return [...byHost.entries()].map(([host, steps]) => {
    const list = [...steps.values()].sort((a, b) => PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase));
    const counts = { pending: 0, running: 0, ok: 0, changed: 0, failed: 0, blocked: 0, skipped: 0, cancelled: 0 };
    for (const s of list) counts[s.state]++;
    return { host, steps: list, progress: progress.filter((p) => labelNames(p.label, host)), logs: logs.filter((l) => l.host === host), counts };
  });
}

/** Steps grouped by phase, phases in run order (for the plan preview). */
export function byPhase<T extends { phase: string }>(steps: T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const s of steps) groups.set(s.phase, [...(groups.get(s.phase) ?? []), s]);
  return [...groups.entries()].sort((a, b) => PHASE_ORDER.indexOf(a[0]) - PHASE_ORDER.indexOf(b[0]));
}

/**
 * Seconds left, from the share of steps done and the time they took (null until one is done).
 * Crude on purpose: step times vary; the lanes' own progress bars carry byte-rate ETAs.
 */
export function timeLeftSeconds(done: number, total: number | null, elapsedMs: number): number | null {
  if (!total || done <= 0 || done >= total) return done >= (total ?? Infinity) ? 0 : null;
  return ((elapsedMs / done) * (total - done)) / 1000;
}
