#!/usr/bin/env node
// The `appliance` command. Runs the TypeScript sources through tsx so it works straight
// after `npm ci`; a packaged app ships the compiled dist/ instead.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/cli/appliance.ts');
await main(process.argv);
