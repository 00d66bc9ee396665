/** Result of one dependency check. */
export interface CheckResult {
  status: 'ok' | 'fail';
  ms: number;
  error?: string;
}

export type Check = () => Promise<unknown>;

/** Rejects after `ms` so a hung dependency fails the check instead of hanging the probe. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs every check in parallel with a timeout. Ready only when all pass; the body names each
 * dependency with its status, so an operator sees at once which one is down.
 */
export async function readiness(checks: Record<string, Check>, timeoutMs = 2000, now: () => number = () => performance.now()): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const t = now();
      try {
        await withTimeout(check(), timeoutMs, name);
        return [name, { status: 'ok', ms: Math.round(now() - t) }];
      } catch (e) {
        return [name, { status: 'fail', ms: Math.round(now() - t), error: e instanceof Error ? e.message : String(e) }];
      }
    }),
  );
  const out = Object.fromEntries(entries);
  return { ready: entries.every(([, r]) => r.status === 'ok'), checks: out };
}
