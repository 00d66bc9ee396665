import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ApplianceError } from '../errors.js';
import { ProfilesFile, type SizingProfile } from './profile-schema.js';

/** The shipped profiles, beside this module (copied next to the built .js by the build). */
export const PROFILES_PATH = fileURLToPath(new URL('./profiles.yaml', import.meta.url));

const cache = new Map<string, ProfilesFile>();

/** Reads and validates a profiles file (default: the shipped one). Cached per path. */
export function loadProfiles(path = PROFILES_PATH): ProfilesFile {
  const hit = cache.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ApplianceError('NOT_FOUND', `The sizing profiles file ${path} is missing (${(e as Error).message}).`);
  }
  const parsed = ProfilesFile.safeParse(YAML.parse(text));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ApplianceError('VALIDATION', `The sizing profiles file ${path} is invalid: ${issues}`);
  }
  cache.set(path, parsed.data);
  return parsed.data;
}

/** The profile for a site topology when none is named: small-single or medium-k3s-3. */
export function defaultProfileName(topology: 'single' | 'k3s-3', file = loadProfiles()): string {
  const p = file.profiles.find((x) => x.production && x.topology === topology);
  if (!p) throw new ApplianceError('INTERNAL', `No production sizing profile for topology ${topology}.`);
  return p.name;
}

/**
 * Finds a profile by name and checks it fits the site topology (a k3s-3 profile cannot judge
 * a single-server site). Unknown names list the known ones.
 */
export function getProfile(name: string, topology: 'single' | 'k3s-3', file = loadProfiles()): SizingProfile {
  const p = file.profiles.find((x) => x.name === name);
  if (!p) throw new ApplianceError('VALIDATION', `Unknown sizing profile "${name}": choose one of ${file.profiles.map((x) => x.name).join(', ')}.`);
  if (p.topology !== 'any' && p.topology !== topology) {
    throw new ApplianceError('VALIDATION', `Sizing profile "${name}" is for the ${p.topology} topology, but this site is ${topology}.`);
  }
  return p;
}

/** The line every verdict made with a relaxed profile carries; null for production profiles. */
export function profileBanner(p: SizingProfile): string | null {
  return p.production ? null : `profile: ${p.name} — NOT the production sizing`;
}
