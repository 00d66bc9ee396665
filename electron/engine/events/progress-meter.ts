import type { OnEvent } from './index.js';

/**
 * Turns a stream of byte counts into throttled progress events with a rate and an ETA.
 * Emits at most every `intervalMs` (plus always the final count) so a fast hash loop
 * does not flood IPC with thousands of events a second.
 */
export function createProgressMeter(opts: {
  task: string;
  label?: string;
  total: number | null;
  unit?: 'bytes' | 'items' | 'steps';
  onEvent: OnEvent;
  intervalMs?: number;
  now?: () => number;
}) {
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 200;
  const unit = opts.unit ?? 'bytes';
  const started = now();
  let done = 0;
  let lastEmit = -Infinity;

  function emit(force: boolean) {
    const t = now();
    if (!force && t - lastEmit < interval) return;
    lastEmit = t;
    const seconds = Math.max((t - started) / 1000, 1e-6);
    const rate = done / seconds;
    const eta = opts.total !== null && rate > 0 ? Math.max(opts.total - done, 0) / rate : undefined;
    opts.onEvent({ type: 'progress', task: opts.task, label: opts.label, done, total: opts.total, unit, rate, eta });
  }

  return {
    /** Adds `n` units and maybe emits. */
    add(n: number) {
      done += n;
      emit(false);
    },
    /** Sets the absolute count (e.g. a resumed upload starts at the remote size). */
    set(n: number) {
      done = n;
      emit(false);
    },
    /** Emits the final count regardless of the throttle. */
    finish() {
      emit(true);
    },
    get done() {
      return done;
    },
  };
}
