import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplianceError } from '../../errors.js';
import { fillTemplate } from '../../network/assets.js';

/** installer-assets/hardening, from the repo (tsx) or the built tree (dist/electron/...). */
export function hardeningAssetsDir(resourcesDir?: string): string {
  if (resourcesDir) return join(resourcesDir, 'installer-assets', 'hardening');
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, here.includes('/dist/electron') ? '../../../../..' : '../../../..', 'installer-assets', 'hardening');
}

const cache = new Map<string, string>();

/** A hardening template with its `{{name}}` placeholders filled (every one must be given). */
export function hardeningAsset(name: string, values: Record<string, string | number> = {}): string {
  const path = join(hardeningAssetsDir(), name);
  let text = cache.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ApplianceError('NOT_FOUND', `The hardening template ${path} is missing from this installation (${(e as Error).message}).`);
    }
    cache.set(path, text);
  }
  return fillTemplate(text, values, name);
}
