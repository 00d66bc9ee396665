import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, ipcChannel, methods } from '../api/contract.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The preload needs four values from the contract (the method names and the channel names),
 * not its zod schemas. Importing contract.ts for real would bundle zod and every schema the
 * calls pull in (and anything those import, which might not load in a sandbox). So for the
 * preload bundle only, `../api/contract.js` resolves to a module generated here from the real
 * contract's values; source, types and unit tests use the real file.
 */
function contractValuesOnly(): Plugin {
  const id = '\0appliance-contract-values';
  const channels = Object.fromEntries(methods.map((m) => [m, ipcChannel(m)]));
  return {
    name: 'appliance-contract-values',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === '../api/contract.js' && importer && /[\\/]electron[\\/]preload[\\/]/.test(importer)) return id;
      return null;
    },
    load(loaded) {
      if (loaded !== id) return null;
      return [
        `export const methods = Object.freeze(${JSON.stringify(methods)});`,
        `export const IPC_PREFIX = ${JSON.stringify(IPC_PREFIX)};`,
        `export const IPC_EVENT_CHANNEL = ${JSON.stringify(IPC_EVENT_CHANNEL)};`,
        `const channels = ${JSON.stringify(channels)};`,
        `export const ipcChannel = (m) => channels[m];`,
      ].join('\n');
    },
  };
}

/**
 * Bundles the preload into one self-contained CommonJS file. A sandboxed preload cannot load
 * ES modules or anything from node_modules; only `electron` stays external (the sandbox
 * provides it). `npm run build:electron` runs this after tsc.
 */
export default defineConfig({
  root: here('../..'),
  publicDir: false,
  logLevel: 'warn',
  plugins: [contractValuesOnly()],
  build: {
    outDir: here('../../dist/preload'),
    emptyOutDir: true,
    target: 'es2023',
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: here('./preload.ts'),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
