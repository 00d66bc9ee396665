import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingContextBridge, RecordingIpcRenderer } from '../../test/doubles/electron-ipc-renderer.js';
import { IPC_EVENT_CHANNEL, ipcChannel, methods } from '../api/contract.js';
import type { ApplianceBridge } from './bridge-types.js';

const root = new URL('../..', import.meta.url).pathname;
let outDir: string;
let bundle: string;

// Builds the preload exactly as `npm run build:electron` does, into a temp dir, so the test
// always sees the current sources and never a stale dist/.
beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'preload-build-'));
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'electron/preload/vite.config.ts', '--outDir', outDir], {
    cwd: root,
    stdio: 'pipe',
  });
  bundle = readFileSync(join(outDir, 'preload.cjs'), 'utf8');
}, 60_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Runs the built bundle the way a sandboxed preload runs: CommonJS, and require() knows only 'electron'. */
function load() {
  const contextBridge = new RecordingContextBridge();
  const ipcRenderer = new RecordingIpcRenderer();
  const required: string[] = [];
  const module = { exports: {} };
  runInNewContext(bundle, {
    require: (name: string) => {
      required.push(name);
      if (name === 'electron') return { contextBridge, ipcRenderer };
      throw new Error(`a sandboxed preload cannot require "${name}"`);
    },
    module,
    exports: module.exports,
  });
  return { contextBridge, ipcRenderer, required, api: contextBridge.exposed.get('appliance') as ApplianceBridge & Record<string, unknown> };
}

describe('built preload (dist/preload/preload.cjs)', () => {
  it('is self-contained CommonJS that requires nothing but electron', () => {
    const { required } = load();
    expect([...new Set(required)]).toEqual(['electron']);
    expect(bundle).not.toMatch(/\bimport\s*\(|^import |^export /m);
    // The contract's zod schemas stay out of the preload: only names cross.
    expect(bundle).not.toMatch(/zod|safeParse/);
  });

  it('exposes exactly one global, "appliance", with exactly the contract methods plus onEvent', () => {
    const { contextBridge, api } = load();
    expect([...contextBridge.exposed.keys()]).toEqual(['appliance']);
    expect(Object.keys(api).sort()).toEqual([...methods, 'onEvent'].sort());
    for (const k of Object.keys(api)) expect(typeof api[k], k).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('each method invokes its own contract channel with the envelope, and nothing else', async () => {
    const { api, ipcRenderer } = load();
    for (const m of methods) {
      const envelope = { task: `t-${m}`, input: {} };
      await (api[m] as (e: unknown) => Promise<unknown>)(envelope);
    }
    expect(ipcRenderer.invoked).toEqual(methods.map((m) => ({ channel: ipcChannel(m), args: [{ task: `t-${m}`, input: {} }] })));
  });

  it('onEvent passes the payload only (never Electron\'s event object) and unsubscribes', () => {
    const { api, ipcRenderer } = load();
    const seen: unknown[][] = [];
    const off = api.onEvent((...args: unknown[]) => seen.push(args));
    const ev = { type: 'log', task: 't', stream: 'info', line: 'x' };
    ipcRenderer.emit(IPC_EVENT_CHANNEL, ev);
    expect(seen).toEqual([[ev]]);
    off();
    ipcRenderer.emit(IPC_EVENT_CHANNEL, ev);
    expect(seen).toHaveLength(1);
    expect(ipcRenderer.listeners.get(IPC_EVENT_CHANNEL)?.size).toBe(0);
  });

  it('onEvent refuses a non-function', () => {
    const { api } = load();
    expect(() => (api.onEvent as (x: unknown) => unknown)('nope')).toThrow(/function/);
  });
});
