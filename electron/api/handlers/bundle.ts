import { join } from 'node:path';
import { defaultTrustDirs, inspectBundle, listBundles, verifyBundle } from '../../engine/bundle/index.js';
import type { HandlerMap } from '../handlers.js';

export const bundleHandlers = {
  'bundle.list': async ({ dir }, ctx) => ({ bundles: await listBundles([join(ctx.paths.resourcesDir, 'bundles'), ...(dir ? [dir] : [])]) }),
  'bundle.inspect': async ({ path }, ctx) => inspectBundle(path, { trustDirs: defaultTrustDirs(ctx.paths), cacheDir: ctx.paths.dataDir }),
  'bundle.verify': async ({ path, full, allowUnsigned }, ctx) =>
    verifyBundle(path, {
      trustDirs: defaultTrustDirs(ctx.paths),
      cacheDir: ctx.paths.dataDir,
      full,
      allowUnsigned,
      onEvent: ctx.onEvent,
      signal: ctx.signal,
      task: ctx.task,
    }),
} satisfies HandlerMap<'bundle.list' | 'bundle.inspect' | 'bundle.verify'>;
