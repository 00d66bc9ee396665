import type { z } from 'zod';
import type { installCalls } from '../../../../electron/api/calls/install.js';
import type { Method } from '../../../../electron/api/contract.js';
import { useTask } from '../../api/use-task.js';

/*
 * The install calls, typed from their own contract file (electron/api/calls/install.ts). The
 * casts let this screen build before the calls are registered in contract.ts; once they are,
 * they are the same calls the typed api client makes.
 */
type InstallCalls = typeof installCalls;
export type InstallMethod = keyof InstallCalls;
export type InstallInput<M extends InstallMethod> = z.input<InstallCalls[M]['input']>;
export type InstallOutput<M extends InstallMethod> = z.output<InstallCalls[M]['output']>;

export type PlanResult = InstallOutput<'install.plan'>;
export type RunResult = InstallOutput<'install.run'>;
export type StatusResult = InstallOutput<'install.status'>;
export type Preflight = PlanResult['preflight'];
export type RunReport = NonNullable<PlanResult['plan']>;
export type StepReport = RunReport['steps'][number];

/** useTask for an install call: status, result, typed error, task id (for events) and cancel. */
export function useInstallTask<M extends InstallMethod>(method: M) {
  const t = useTask(method as unknown as Method);
  return t as unknown as Omit<typeof t, 'run' | 'result'> & {
    run(input: InstallInput<M>): Promise<InstallOutput<M> | null>;
    result: InstallOutput<M> | null;
  };
}
