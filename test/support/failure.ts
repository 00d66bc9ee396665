import { ApplianceError } from '../../electron/engine/errors.js';

/** Runs `fn` and returns the ApplianceError it throws (fails the test if it does not throw one). */
export async function failure(fn: () => Promise<unknown>): Promise<ApplianceError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof ApplianceError) return e;
    throw e;
  }
  throw new Error('expected an ApplianceError');
}
