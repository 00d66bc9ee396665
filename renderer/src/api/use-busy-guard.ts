import { useCallback, useState } from 'react';
import { ApiCallError } from './client.js';

/**
 * For screens with several actions on one state: runs one action at a time under a label
 * (to disable the buttons and say what is running) and keeps its typed error for ErrorBanner.
 */
export function useBusyGuard() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiCallError | null>(null);
  const guard = useCallback(async (label: string, fn: () => Promise<void>) => {
    setBusy(label);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof ApiCallError ? e : new ApiCallError({ code: 'INTERNAL', message: String(e) }));
    } finally {
      setBusy(null);
    }
  }, []);
  return { busy, error, setError, guard };
}
