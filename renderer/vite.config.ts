import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The same build runs in Electron (app:// protocol) and in a browser (console host), so
// asset URLs are relative and nothing is inlined (the CSP forbids inline scripts and styles).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'chrome120',
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
