import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../main/app-paths.js';
import type { HandlerMap } from '../handlers.js';

// From the repo root, so it resolves the same from electron/ sources and compiled dist/.
const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };

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
