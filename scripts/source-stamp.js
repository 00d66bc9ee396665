#!/usr/bin/env node
// Brackets `npm run build:cli` (see bin/source-stamp.js). `begin` lists the sources before tsc
// reads them and drops the old stamp; `commit` makes that listing the stamp once tsc and the
// asset copy succeeded. Listing before compiling means a file edited during the build leaves
// the build marked stale, never a stale build marked current; a failed build leaves no stamp.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceListing, STAMP } from '../bin/source-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, STAMP);
const pending = `${stamp}.pending`;
const step = process.argv[2];
if (step === 'begin') {
  rmSync(stamp, { force: true });
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(pending, sourceListing(root));
} else if (step === 'commit') {
  renameSync(pending, stamp);
} else {
  console.error('usage: node scripts/source-stamp.js begin|commit');
  process.exit(2);
}
