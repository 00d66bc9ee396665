import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../main/app-paths.js';
import type { HandlerMap } from '../handlers.js';

let version: string | undefined;
/** Read on first use, from the repo root, so it resolves the same from sources and compiled dist/. */
function appVersion(): string {
  version ??= (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

export const systemHandlers = {
  'app.info': async (_input, ctx) => ({
    version: appVersion(),
    host: ctx.host,
    platform: process.platform,
    arch: process.arch,
    node: process.versions.node,
  }),
  'task.cancel': async ({ task }, ctx) => ({ cancelled: ctx.cancelTask(task) }),
} satisfies HandlerMap<'app.info' | 'task.cancel'>;
