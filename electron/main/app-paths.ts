import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppPaths } from '../api/handler-context.js';

/**
 * Where things live. In development (and for the CLI and console hosts) the repository root
 * holds installer-assets/ and bundles/; a packaged Electron app passes process.resourcesPath.
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
