import { describe, expect, it } from 'vitest';
import { secureWindowOptions } from './window.js';

describe('secureWindowOptions', () => {
  const prefs = secureWindowOptions({ preloadPath: '/app/dist/preload/preload.cjs' }).webPreferences!;

  it('isolates and sandboxes the renderer', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.webSecurity).toBe(true);
  });

  it('gives page scripts, workers and frames no Node, and allows no <webview> or insecure content', () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('uses the given preload, and keeps spellcheck (a dictionary download) and devtools off by default', () => {
    expect(prefs.preload).toBe('/app/dist/preload/preload.cjs');
    expect(prefs.spellcheck).toBe(false);
    expect(prefs.devTools).toBe(false);
    expect(secureWindowOptions({ preloadPath: '/p', devTools: true }).webPreferences!.devTools).toBe(true);
  });

  it('sets nothing that loosens security', () => {
    const keys = Object.keys(prefs);
    for (const k of ['partition', 'additionalArguments', 'enableBlinkFeatures', 'disableBlinkFeatures', 'plugins', 'javascript', 'enableWebSQL']) {
      expect(keys, k).not.toContain(k);
    }
  });

  it('is pure: every call gets a fresh object', () => {
    const a = secureWindowOptions({ preloadPath: '/p' });
    a.webPreferences!.sandbox = false;
    expect(secureWindowOptions({ preloadPath: '/p' }).webPreferences!.sandbox).toBe(true);
  });
});
