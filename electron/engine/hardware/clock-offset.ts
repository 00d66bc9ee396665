import type { Target } from '../targets/index.js';

export interface ClockOffset {
  /** Remote clock minus local clock, in ms (positive = the remote is ahead). */
  offsetMs: number;
  /** Round trip of the best sample: the offset is accurate to about half of it. */
  rttMs: number;
  /** Resolution of the remote clock reading: 1e-6 ms with GNU date %N, 1000 ms without. */
  resolutionMs: number;
}

/** Wall-clock time with sub-millisecond precision. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Measures the target's clock against this machine the NTP way: read the remote epoch between
 * two local readings; offset = remote - midpoint. Of several samples the one with the shortest
 * round trip wins (least room for asymmetric delay). Each sample opens a channel on the
 * existing connection, so only channel setup, not the SSH handshake, is inside the window.
 */
export async function measureClockOffset(target: Pick<Target, 'exec'>, opts: { samples?: number; signal?: AbortSignal } = {}): Promise<ClockOffset> {
  let best: ClockOffset | null = null;
  for (let i = 0; i < Math.max(1, opts.samples ?? 3); i++) {
    const t0 = nowMs();
    // As a script on stdin, not an argv: the remote `date` then cannot run before our side
    // listens for its exit status (a very short argv command can race SshTarget's listeners).
    const r = await target.exec({ script: 'exec date +%s%N\n', label: 'clock' }, { timeoutMs: 10_000, signal: opts.signal });
    const t1 = nowMs();
    const text = r.stdout.trim();
    let remote: number;
    let resolutionMs: number;
    if (/^\d{19,}$/.test(text)) {
      // Nanoseconds: split to keep the precision a double cannot hold whole.
      remote = Number(text.slice(0, -6)) + Number(text.slice(-6)) / 1e6;
      resolutionMs = 1e-6;
    } else {
      // date without %N (busybox, BSD) prints "1700000000N" or "1700000000%N": whole seconds.
      const secs = text.match(/^(\d{9,11})/);
      if (!secs) throw new Error(`unexpected output of date: "${text.slice(0, 40)}"`);
      remote = Number(secs[1]) * 1000 + 500;
      resolutionMs = 1000;
    }
    const sample = { offsetMs: remote - (t0 + t1) / 2, rttMs: t1 - t0, resolutionMs };
    if (!best || sample.rttMs < best.rttMs) best = sample;
  }
  return best!;
}
