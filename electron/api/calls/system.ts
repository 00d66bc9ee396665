import { z } from 'zod';
import { call } from './define.js';

export const systemCalls = {
  'app.info': call({
    summary: 'Version, host kind and platform of the running appliance.',
    input: z.object({}).strict(),
    output: z.object({
      version: z.string(),
      host: z.enum(['electron', 'console']),
      platform: z.string(),
      arch: z.string(),
      node: z.string(),
    }),
  }),
  'task.cancel': call({
    summary: 'Cancel a running task by its id; answers whether a task of that id was running.',
    input: z.object({ task: z.string().min(1) }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  }),
};
