/**
 * What `npm start` should do, decided from facts gathered by bin/start.js. Pure, so every
 * branch is unit-tested here even though this machine has no Electron binary.
 */

/** What probing node_modules/electron found. */
export type ElectronProbe =
  | { state: 'missing' }
  | { state: 'broken'; path: string; detail: string }
  | { state: 'ok'; path: string; version: string };

export interface StartFacts {
  electron: ElectronProbe;
  platform: NodeJS.Platform;
  /** DISPLAY or WAYLAND_DISPLAY set (only consulted on Linux and the BSDs). */
  hasDisplay: boolean;
  /** Running as uid 0: Chromium will not start its sandbox as root, and this app never turns the sandbox off. */
  isRoot: boolean;
  /** Newest modification time (ms) of the renderer's sources and of the Electron host's sources. */
  newestSource: { renderer: number; electron: number };
  /** Modification times (ms) of the build outputs, null when absent. */
  built: { renderer: number | null; main: number | null; preload: number | null };
  /** process.execPath: builds and the console run under the same node. */
  node: string;
}

export interface BuildCommand {
  label: string;
  argv: string[];
}

export type StartPlan =
  | { mode: 'electron'; electronPath: string; builds: BuildCommand[] }
  | { mode: 'console'; notice: string; builds: BuildCommand[] };

const VITE = 'node_modules/vite/bin/vite.js';
const TSC = 'node_modules/typescript/bin/tsc';

/** Build commands (argv arrays, relative to the repository root) for what is missing or older than its sources. */
export function staleBuilds(facts: StartFacts, wantElectron: boolean): BuildCommand[] {
  const out: BuildCommand[] = [];
  const { built, newestSource, node } = facts;
  if (built.renderer === null || newestSource.renderer > built.renderer) {
    out.push({ label: 'renderer', argv: [node, VITE, 'build', '--config', 'renderer/vite.config.ts'] });
  }
  const electronBuilt = built.main === null || built.preload === null ? null : Math.min(built.main, built.preload);
  if (wantElectron && (electronBuilt === null || newestSource.electron > electronBuilt)) {
    out.push({ label: 'electron main', argv: [node, TSC, '-p', 'tsconfig.build.json'] });
    out.push({ label: 'electron preload', argv: [node, VITE, 'build', '--config', 'electron/preload/vite.config.ts'] });
  }
  return out;
}

/** Electron when it is installed, runs, and has a display to show on; the console host otherwise. */
export function planStart(facts: StartFacts): StartPlan {
  const fallback = (why: string): StartPlan => ({ mode: 'console', notice: `${why}; serving the console instead:`, builds: staleBuilds(facts, false) });
  const e = facts.electron;
  if (e.state === 'missing') return fallback('Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD or offline)');
  if (e.state === 'broken') return fallback(`Electron binary at ${e.path} does not run (${e.detail})`);
  const needsDisplayVar = facts.platform !== 'darwin' && facts.platform !== 'win32';
  if (needsDisplayVar && !facts.hasDisplay) return fallback('No display (DISPLAY and WAYLAND_DISPLAY are unset)');
  if (facts.platform === 'linux' && facts.isRoot) return fallback('Running as root, where Chromium refuses its sandbox (and this app never disables it)');
  return { mode: 'electron', electronPath: e.path, builds: staleBuilds(facts, true) };
}
