import { describe, expect, it } from 'vitest';
import type { ApplianceEvent } from './index.js';
import { createProgressMeter } from './progress-meter.js';

describe('progress meter', () => {
  it('throttles events, reports rate and ETA, and always emits the final count', () => {
    let t = 0;
    const events: ApplianceEvent[] = [];
    const m = createProgressMeter({ task: 'x', total: 1000, onEvent: (e) => events.push(e), intervalMs: 100, now: () => t });
    m.add(100); // t=0: first emit
    t = 50;
    m.add(100); // throttled
    t = 1000;
    m.add(300); // emits: 500 bytes in 1 s
    m.finish();
    expect(events).toHaveLength(3);
    const mid = events[1] as Extract<ApplianceEvent, { type: 'progress' }>;
    expect(mid.done).toBe(500);
    expect(mid.rate).toBeCloseTo(500);
    expect(mid.eta).toBeCloseTo(1);
    expect(events[2]).toMatchObject({ done: 500, total: 1000, unit: 'bytes' });
  });
});
