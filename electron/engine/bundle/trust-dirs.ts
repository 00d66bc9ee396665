import { join } from 'node:path';

/**
 * Where trusted public keys live: the ones shipped with the app (bundles/trusted-keys under
 * the resources folder) and the user's own (trusted-keys under the data folder).
 */
export function defaultTrustDirs(paths: { resourcesDir: string; dataDir: string }): string[] {
  return [join(paths.resourcesDir, 'bundles', 'trusted-keys'), join(paths.dataDir, 'trusted-keys')];
}
