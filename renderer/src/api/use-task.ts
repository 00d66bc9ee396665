import { useCallback, useRef, useState } from 'react';
import type { Input, Method, Output } from '../../../electron/api/contract.js';
import { useEvents } from '../store/events.js';
import { api, ApiCallError, newTaskId } from './client.js';

export type TaskStatus = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

/**
 * Runs one contract call as a task a screen can show: status, result, typed error, the
 * task id (to read its progress from the events store) and cancel.
 */
export function useTask<M extends Method>(method: M) {
  const [status, setStatus] = useState<TaskStatus>('idle');
  const [result, setResult] = useState<Output<M> | null>(null);
  const [error, setError] = useState<ApiCallError | null>(null);
  const [task, setTask] = useState<string | null>(null);
  const current = useRef<string | null>(null);

  const run = useCallback(
    async (input: Input<M>): Promise<Output<M> | null> => {
      const id = newTaskId(method);
      current.current = id;
      setTask(id);
      setStatus('running');
      setError(null);
      try {
        const value = await api.call(method, input, { task: id });
        if (current.current === id) {
          setResult(value);
          setStatus('done');
        }
        return value;
      } catch (e) {
        const err = e instanceof ApiCallError ? e : new ApiCallError({ code: 'INTERNAL', message: String(e) });
        if (current.current === id) {
          setError(err);
          setStatus(err.code === 'CANCELLED' ? 'cancelled' : 'failed');
        }
        return null;
      }
    },
    [method],
  );

  const cancel = useCallback(() => {
    if (current.current) void api.cancel(current.current);
  }, []);

  const progress = useEvents((s) => (task ? s.progress[task] : undefined));
  return { run, cancel, status, result, error, task, progress };
}
