import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppPaths } from '../api/handler-context.js';

/**
 * Where things live. In development (and for the CLI and console hosts) the repository root
 * holds installer-assets/ and bundles/trusted-keys/; a packaged Electron app passes its
 * app.asar (app.getAppPath()), which holds them in the same layout (see packagedAppPaths).
 * Works from electron/main/*.ts and from dist/electron/main/*.js alike.
 */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Either separator: a Windows build's paths use backslashes.
  const up = /[\\/]dist[\\/]electron([\\/]|$)/.test(here) ? '../../..' : '../..';
  return resolve(here, up);
}

export function defaultAppPaths(resourcesDir = process.env.APPLIANCE_RESOURCES_DIR ?? repoRoot()): AppPaths {
  return {
    resourcesDir,
    dataDir: process.env.APPLIANCE_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'airgap-appliance'),
  };
}

/** The built renderer (vite build output). */
export function rendererDir(root = repoRoot()): string {
  return join(root, 'dist', 'renderer');
}

/**
 * A packaged app's paths: resources from inside app.asar (`appPath`, app.getAppPath()), where
 * the asar integrity check covers the bundle trust anchors and the installer assets; Electron's
 * fs reads them there like files. Never from APPLIANCE_RESOURCES_DIR: nothing outside the
 * signed app may choose which keys a bundle is trusted with.
 */
export function packagedAppPaths(appPath: string): AppPaths {
  return defaultAppPaths(appPath);
}
