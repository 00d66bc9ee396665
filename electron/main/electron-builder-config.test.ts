import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Packaging cannot run here (it downloads Electron for each platform); this checks the
// configuration it would run with, against electron-builder's own schema.
const root = join(import.meta.dirname, '..', '..');
const text = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const config = parse(text, { uniqueKeys: true }) as Record<string, unknown> & {
  extraResources: { from: string; to: string }[];
  files: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; productName: string };

describe('electron-builder.yml', () => {
  it('passes electron-builder\'s own schema validation', async () => {
    const require = createRequire(join(root, 'node_modules', 'electron-builder', 'package.json'));
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(c: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    await expect(validateConfiguration(structuredClone(config), { isEnabled: false, add() {} })).resolves.toBeUndefined();
    // The check itself is real: a misspelt option is refused.
    await expect(validateConfiguration({ ...structuredClone(config), asarr: true }, { isEnabled: false, add() {} })).rejects.toThrow(/asarr/);
  });

  it('names the product and ships the compiled app from asar', () => {
    expect(config.productName).toBe('Airgap Appliance');
    expect(config.productName).toBe(pkg.productName);
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i);
    expect(config.asar).toBe(true);
    expect(config.files).toContain('package.json');
    expect(pkg.main.startsWith('dist/electron/')).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**/*', 'dist/preload/**/*', 'dist/renderer/**/*']));
  });

  it('every extraResources source exists (electron-builder would only warn and ship without it)', () => {
    const froms = config.extraResources.map((r) => r.from);
    expect(froms).toEqual(expect.arrayContaining(['installer-assets', 'bundles/trusted-keys']));
    for (const r of config.extraResources) {
      const p = join(root, r.from);
      expect(existsSync(p) && statSync(p).isDirectory(), `${r.from} is missing: the packaged app would ship without it`).toBe(true);
      expect(r.to, r.from).toBe(r.from); // same layout as the repo, so AppPaths.resourcesDir works unchanged
    }
  });

  it('builds AppImage + deb, NSIS and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });

  it('flips the hardening fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('names no download host (mirrors come from the environment, see docs/packaging.md)', () => {
    expect(text).not.toMatch(/https?:\/\//);
  });
});
