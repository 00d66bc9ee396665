import { readFileSync } from 'node:fs';
import type { HandlerMap } from '../handlers.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export const systemHandlers = {
  'app.info': async (_input, ctx) => ({
    version: pkg.version,
    host: ctx.host,
    platform: process.platform,
    arch: process.arch,
    node: process.versions.node,
  }),
  'task.cancel': async ({ task }, ctx) => ({ cancelled: ctx.cancelTask(task) }),
} satisfies HandlerMap<'app.info' | 'task.cancel'>;
