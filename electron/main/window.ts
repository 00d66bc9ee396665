import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The one place BrowserWindow options are decided. Every window of the app is made from this,
 * so no window can be created with Node in the renderer by accident.
 *
 * - contextIsolation + sandbox: the page and the preload run in separate JS worlds, and the
 *   renderer process is OS-sandboxed; the preload reaches main only through the bridge.
 * - nodeIntegration(InWorker/InSubFrames) off: no require() for page scripts, workers or frames.
 * - webviewTag off: a <webview> would be a second browser with its own preferences.
 * - webSecurity on, allowRunningInsecureContent off: same-origin policy and no http content.
 * - spellcheck off: the spellchecker downloads dictionaries, and this app runs offline.
 */
export function secureWindowOptions(opts: { preloadPath: string; devTools?: boolean; title?: string; width?: number; height?: number }): BrowserWindowConstructorOptions {
  return {
    title: opts.title ?? 'Airgap Appliance',
    width: opts.width ?? 1280,
    height: opts.height ?? 860,
    minWidth: 960,
    minHeight: 640,
    // Shown on 'ready-to-show', so the engineer never sees an empty white frame.
    show: false,
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Off in packaged builds: nothing a field engineer needs, and one less way to poke the page.
      devTools: opts.devTools ?? false,
    },
  };
}
