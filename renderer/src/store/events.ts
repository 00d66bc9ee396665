import { create } from 'zustand';
import type { ApplianceEvent } from '../../../electron/api/contract.js';

type Progress = Extract<ApplianceEvent, { type: 'progress' }>;
type Log = Extract<ApplianceEvent, { type: 'log' }>;
type Step = Extract<ApplianceEvent, { type: 'step' }>;
type TaskState = Extract<ApplianceEvent, { type: 'task' }>['state'];

const MAX_LOG_LINES = 2000;

interface EventsState {
  /** Latest progress per task (and per label inside a task, e.g. one per host). */
  progress: Record<string, Record<string, Progress>>;
  logs: Log[];
  steps: Record<string, Record<string, Step>>;
  tasks: Record<string, TaskState>;
  push(e: ApplianceEvent): void;
  clearTask(task: string): void;
}

/** The one store of engine events; every screen reads its task's slice from here. */
export const useEvents = create<EventsState>((set) => ({
  progress: {},
  logs: [],
  steps: {},
  tasks: {},
  push: (e) =>
    set((s) => {
      switch (e.type) {
        case 'progress':
          return { progress: { ...s.progress, [e.task]: { ...s.progress[e.task], [e.label ?? '']: e } } };
        case 'log': {
          const logs = s.logs.length >= MAX_LOG_LINES ? s.logs.slice(-MAX_LOG_LINES + 1) : s.logs.slice();
          logs.push(e);
          return { logs };
        }
        case 'step':
          return { steps: { ...s.steps, [e.task]: { ...s.steps[e.task], [`${e.host ?? ''}/${e.step}`]: e } } };
        case 'task':
          return { tasks: { ...s.tasks, [e.task]: e.state } };
      }
    }),
  clearTask: (task) =>
    set((s) => {
      const { [task]: _p, ...progress } = s.progress;
      const { [task]: _s, ...steps } = s.steps;
      return { progress, steps, logs: s.logs.filter((l) => l.task !== task) };
    }),
}));
