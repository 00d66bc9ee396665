import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplianceError } from '../../errors.js';

/** installer-assets/, from the repo (tsx) or the built tree (dist/electron/...). */
export function installerAssetsDir(resourcesDir?: string): string {
  if (resourcesDir) return join(resourcesDir, 'installer-assets');
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, here.includes('/dist/electron') ? '../../../../..' : '../../../..', 'installer-assets');
}

const cache = new Map<string, string>();

/** A template or script of installer-assets/ by relative path ("compose/compose.yaml"); cached. */
export function readInstallerAsset(relPath: string): string {
  const path = join(installerAssetsDir(), relPath);
  let text = cache.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ApplianceError('NOT_FOUND', `The installer template ${path} is missing from this installation (${(e as Error).message}).`);
    }
    cache.set(path, text);
  }
  return text;
}
