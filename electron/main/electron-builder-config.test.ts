import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Packaging cannot run here (it downloads Electron for each platform); this checks the
// configuration it would run with, against electron-builder's own schema.
const root = join(import.meta.dirname, '..', '..');
const text = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const config = parse(text, { uniqueKeys: true }) as Record<string, unknown> & {
  extraResources?: { from: string; to: string }[];
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

  it('ships the bundle trust anchors and the installer assets inside app.asar (covered by its integrity check), never next to it', () => {
    // electron-builder's own glob matcher and options, so a pattern that would miss in a real
    // build misses here too.
    const require = createRequire(join(root, 'node_modules', 'app-builder-lib', 'package.json'));
    const { minimatch } = require('minimatch') as { minimatch: (path: string, pattern: string, o: { dot: boolean }) => boolean };
    const included = (rel: string) =>
      config.files.filter((p) => !p.startsWith('!')).some((p) => minimatch(rel, p, { dot: true })) &&
      !config.files.filter((p) => p.startsWith('!')).some((p) => minimatch(rel, p.slice(1), { dot: true }));
    for (const dir of ['bundles/trusted-keys', 'installer-assets']) {
      const p = join(root, dir);
      expect(existsSync(p) && statSync(p).isDirectory(), `${dir} is missing: the packaged app would ship without it`).toBe(true);
      const files = readdirSync(p, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      expect(files.length, dir).toBeGreaterThan(0);
      // Same layout as the repository, so AppPaths.resourcesDir = app.asar works unchanged.
      for (const f of files) expect(included(relative(root, join(f.parentPath, f.name)).split(sep).join('/')), `${f.name} in app.asar`).toBe(true);
      expect((config.extraResources ?? []).map((r) => r.from.replace(/\/+$/, '')), `${dir} must not ship outside app.asar`).not.toContain(dir);
      for (const r of config.extraResources ?? []) expect(`${r.to}/`.startsWith(`${dir}/`) || `${dir}/`.startsWith(`${r.to}/`), r.to).toBe(false);
    }
    expect(included('bundles/trusted-keys/vendor-dev.pub.pem')).toBe(true);
    expect(included('installer-assets/probes/hardware-probe.sh')).toBe(true);
    // The check itself is real: something outside the patterns is not in app.asar.
    expect(included('bundles/demo.bundle.yaml')).toBe(false);
  });

  it('every extraResources source exists (electron-builder would only warn and ship without it)', () => {
    for (const r of config.extraResources ?? []) {
      const p = join(root, r.from);
      expect(existsSync(p) && statSync(p).isDirectory(), `${r.from} is missing: the packaged app would ship without it`).toBe(true);
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
