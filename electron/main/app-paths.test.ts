import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultTrustDirs } from '../engine/bundle/trust-dirs.js';
import { defaultAppPaths, packagedAppPaths, repoRoot } from './app-paths.js';

describe('app paths', () => {
  const saved = process.env.APPLIANCE_RESOURCES_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.APPLIANCE_RESOURCES_DIR;
    else process.env.APPLIANCE_RESOURCES_DIR = saved;
  });

  it('a packaged app trusts the keys inside its app.asar, whatever the environment says', () => {
    process.env.APPLIANCE_RESOURCES_DIR = '/tmp/attacker-chosen';
    const asar = join('/opt', 'Airgap Appliance', 'resources', 'app.asar');
    const paths = packagedAppPaths(asar);
    expect(paths.resourcesDir).toBe(asar);
    expect(defaultTrustDirs(paths)[0]).toBe(join(asar, 'bundles', 'trusted-keys'));
  });

  it('development and the CLI use the repository, or APPLIANCE_RESOURCES_DIR', () => {
    delete process.env.APPLIANCE_RESOURCES_DIR;
    expect(defaultAppPaths().resourcesDir).toBe(repoRoot());
    process.env.APPLIANCE_RESOURCES_DIR = '/srv/resources';
    expect(defaultAppPaths().resourcesDir).toBe('/srv/resources');
  });
});
