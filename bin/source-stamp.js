// Whether dist/electron was compiled from the sources as they are now. The build records a
// listing of the sources it compiled (path, size, mtime of every file tsc and the asset copy
// read); the command compares it with a fresh listing, one readdir per folder and one stat per
// file, with no hashing, so a stale build is never run and the check stays cheap.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where the build keeps the listing, relative to the repository root. */
export const STAMP = join('dist', 'electron', '.source-stamp');

/** One line per source file: "path size mtimeMs". Tests and the preload are not compiled for the CLI. */
export function sourceListing(root) {
  const lines = [];
  const add = (rel) => {
    const s = statSync(join(root, rel));
    lines.push(`${rel} ${s.size} ${s.mtimeMs}`);
  };
  (function walk(rel) {
    const entries = readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (p !== 'electron/preload') walk(p);
      } else if (!e.name.endsWith('.test.ts')) add(p);
    }
  })('electron');
  add('tsconfig.json');
  add('tsconfig.build.json');
  return lines.join('\n') + '\n';
}

/** True when dist/ holds a complete build of the current sources, or when there are no sources to run instead. */
export function distIsCurrent(root) {
  if (!existsSync(join(root, 'electron'))) return existsSync(join(root, STAMP));
  let stamp;
  try {
    stamp = readFileSync(join(root, STAMP), 'utf8');
  } catch {
    return false;
  }
  return stamp === sourceListing(root);
}
