import { z } from 'zod';

/**
 * Every event the engine emits, as one discriminated union. Engine functions take an
 * `onEvent` callback; hosts forward events unchanged; the renderer keeps them in one store.
 * Schemas live here (not in api/) because the engine produces them; the contract re-exports them.
 */
export const ProgressEvent = z.object({
  type: z.literal('progress'),
  task: z.string(),
  /** Short label of what is being counted, e.g. "hashing blobs" or "upload node1". */
  label: z.string().optional(),
  done: z.number().nonnegative(),
  total: z.number().nonnegative().nullable(),
  unit: z.enum(['bytes', 'items', 'steps']),
  /** Bytes per second over the recent window, when unit is bytes. */
  rate: z.number().nonnegative().optional(),
  /** Estimated seconds left, when known. */
  eta: z.number().nonnegative().optional(),
});

export const LogEvent = z.object({
  type: z.literal('log'),
  task: z.string(),
  host: z.string().optional(),
  stream: z.enum(['stdout', 'stderr', 'info', 'warn', 'error']),
  /** Already redacted by the emitter: never put a secret in here. */
  line: z.string(),
});

export const StepState = z.enum(['pending', 'running', 'done', 'skipped', 'failed', 'cancelled']);

export const StepEvent = z.object({
  type: z.literal('step'),
  task: z.string(),
  step: z.string(),
  host: z.string().optional(),
  title: z.string().optional(),
  state: StepState,
  error: z.string().optional(),
  /** Install steps: the phase, and on finishing the outcome (ok = was already done, changed = applied and verified, blocked = an upstream step failed). */
  phase: z.string().optional(),
  outcome: z.enum(['ok', 'changed', 'failed', 'skipped', 'blocked', 'cancelled']).optional(),
  /** Install steps: the probe's one-line reason. */
  reason: z.string().optional(),
});

export const TaskState = z.enum(['running', 'done', 'failed', 'cancelled']);

export const TaskEvent = z.object({
  type: z.literal('task'),
  task: z.string(),
  /** The contract method that started it, e.g. "bundle.verify". */
  method: z.string().optional(),
  state: TaskState,
  error: z.string().optional(),
});

export const ApplianceEvent = z.discriminatedUnion('type', [ProgressEvent, LogEvent, StepEvent, TaskEvent]);

export type ProgressEvent = z.infer<typeof ProgressEvent>;
export type LogEvent = z.infer<typeof LogEvent>;
export type StepEvent = z.infer<typeof StepEvent>;
export type TaskEvent = z.infer<typeof TaskEvent>;
export type ApplianceEvent = z.infer<typeof ApplianceEvent>;
export type OnEvent = (event: ApplianceEvent) => void;

/** A callback that drops events, for callers that do not care (tests, one-shot CLI calls). */
export const ignoreEvents: OnEvent = () => {};

export { createProgressMeter } from './progress-meter.js';
