import { join } from 'node:path';

/**
 * Where trusted public keys live: the ones shipped with the app (bundles/trusted-keys under
 * the resources folder: the repository, or inside app.asar in a packaged app, where the host
 * passes the asar path so its integrity check covers them) and the user's own (trusted-keys
 * under the data folder).
 */
export function defaultTrustDirs(paths: { resourcesDir: string; dataDir: string }): string[] {
  return [join(paths.resourcesDir, 'bundles', 'trusted-keys'), join(paths.dataDir, 'trusted-keys')];
}
