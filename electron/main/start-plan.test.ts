import { describe, expect, it } from 'vitest';
import { planStart, type StartFacts } from './start-plan.js';

const fresh: StartFacts = {
  electron: { state: 'ok', path: '/repo/node_modules/electron/dist/electron', version: '45.4.1' },
  platform: 'linux',
  hasDisplay: true,
  isRoot: false,
  newestSource: { renderer: 1_000, electron: 1_000 },
  built: { renderer: 2_000, main: 2_000, preload: 2_000 },
  node: '/usr/bin/node',
};
const labels = (f: StartFacts) => planStart(f).builds.map((b) => b.label);

describe('planStart', () => {
  it('runs Electron when it is installed, runs and has a display; nothing to build when outputs are newer', () => {
    expect(planStart(fresh)).toEqual({ mode: 'electron', electronPath: fresh.electron.state === 'ok' ? fresh.electron.path : '', builds: [] });
  });

  it('falls back to the console with one explanatory line when the binary is missing', () => {
    const p = planStart({ ...fresh, electron: { state: 'missing' } });
    expect(p.mode).toBe('console');
    const notice = p.mode === 'console' ? p.notice : '';
    expect(notice).toBe('Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD or offline); serving the console instead:');
    expect(notice).not.toContain('\n');
  });

  it('falls back when the binary is there but does not run', () => {
    const p = planStart({ ...fresh, electron: { state: 'broken', path: '/x/electron', detail: 'exit code 127' } });
    expect(p).toMatchObject({ mode: 'console', notice: 'Electron binary at /x/electron does not run (exit code 127); serving the console instead:' });
  });

  it('falls back on Linux without a display, or as root; macOS and Windows need no DISPLAY', () => {
    expect(planStart({ ...fresh, hasDisplay: false }).mode).toBe('console');
    expect(planStart({ ...fresh, platform: 'freebsd', hasDisplay: false }).mode).toBe('console');
    expect(planStart({ ...fresh, isRoot: true }).mode).toBe('console');
    expect(planStart({ ...fresh, platform: 'darwin', hasDisplay: false }).mode).toBe('electron');
    expect(planStart({ ...fresh, platform: 'win32', hasDisplay: false }).mode).toBe('electron');
  });

  it('builds the renderer first when dist/renderer is missing, in both modes', () => {
    const missing = { ...fresh, built: { ...fresh.built, renderer: null } };
    expect(labels(missing)).toEqual(['renderer']);
    expect(labels({ ...missing, electron: { state: 'missing' } })).toEqual(['renderer']);
    expect(planStart(missing).builds[0]!.argv).toEqual(['/usr/bin/node', 'node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts']);
  });

  it('rebuilds what is older than its sources', () => {
    expect(labels({ ...fresh, newestSource: { renderer: 3_000, electron: 1_000 } })).toEqual(['renderer']);
    expect(labels({ ...fresh, newestSource: { renderer: 1_000, electron: 3_000 } })).toEqual(['electron main', 'electron preload']);
    expect(labels({ ...fresh, built: { ...fresh.built, preload: null } })).toEqual(['electron main', 'electron preload']);
    expect(labels({ ...fresh, built: { renderer: 2_000, main: 2_000, preload: 500 } })).toEqual(['electron main', 'electron preload']);
  });

  it('the console never builds the Electron host', () => {
    expect(labels({ ...fresh, electron: { state: 'missing' }, built: { renderer: 2_000, main: null, preload: null } })).toEqual([]);
  });
});
