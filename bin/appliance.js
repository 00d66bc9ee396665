#!/usr/bin/env node
// The `appliance` command. Runs the compiled dist/ when it was built from the sources as they
// are now (setup.sh builds it: `npm run build:cli`); otherwise the TypeScript sources through
// tsx, so it works straight after `npm ci` and while editing, and a stale build never runs.
// APPLIANCE_FROM_SOURCE=1 always runs the sources.
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { distIsCurrent } from './source-stamp.js';

// Node 22.1+ keeps compiled code on disk for the next start; Node 20 has no such cache.
module.enableCompileCache?.();

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.env.APPLIANCE_FROM_SOURCE !== '1' && distIsCurrent(root)) {
  const { main } = await import('../dist/electron/cli/appliance.js');
  await main(process.argv);
} else {
  if (process.stderr.isTTY && process.env.APPLIANCE_FROM_SOURCE !== '1') {
    process.stderr.write('appliance: dist/ is missing or older than the sources, running them through tsx (slower; `npm run build:cli` fixes that)\n');
  }
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../electron/cli/appliance.ts');
  await main(process.argv);
}
