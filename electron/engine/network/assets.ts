import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplianceError } from '../errors.js';

/** installer-assets/network, from the repo (tsx) or the built tree (dist/electron/...). */
export function networkAssetsDir(resourcesDir?: string): string {
  if (resourcesDir) return join(resourcesDir, 'installer-assets', 'network');
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, here.includes('/dist/electron') ? '../../../..' : '../../..', 'installer-assets', 'network');
}

const cache = new Map<string, string>();

/** Reads a template or script shipped in installer-assets/network (cached: they never change at run time). */
export function readNetworkAsset(name: string, resourcesDir?: string): string {
  const path = join(networkAssetsDir(resourcesDir), name);
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  try {
    const text = readFileSync(path, 'utf8');
    cache.set(path, text);
    return text;
  } catch (e) {
    throw new ApplianceError('NOT_FOUND', `The network template ${path} is missing from this installation (${(e as Error).message}).`);
  }
}

/**
 * Fills `{{name}}` placeholders. Every placeholder must have a value and every value must be
 * used, so a renamed placeholder fails loudly in tests instead of leaking "{{x}}" into a config.
 */
export function fillTemplate(template: string, values: Record<string, string | number>, name = 'template'): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) throw new ApplianceError('INTERNAL', `Template ${name} has no value for {{${key}}}.`);
    used.add(key);
    return String(v);
  });
  for (const key of Object.keys(values)) if (!used.has(key)) throw new ApplianceError('INTERNAL', `Template ${name} has no placeholder {{${key}}}.`);
  return out;
}
