#!/usr/bin/env node
// tsc compiles only .ts: copy the non-TypeScript files the engine reads at run time beside its
// modules (shell scripts, YAML data) into dist/electron, keeping their relative paths.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'electron');
const out = join(root, 'dist', 'electron');
const COPY = new Set(['.sh', '.yaml', '.yml', '.json', '.tmpl', '.conf']);

let copied = 0;
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (COPY.has(extname(name))) {
      cpSync(p, join(out, relative(src, p)));
      copied++;
    }
  }
})(src);
console.log(`copied ${copied} engine asset file(s) into dist/electron`);
