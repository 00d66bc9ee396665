#!/usr/bin/env node
// `npm start`: the Electron app when its binary is installed and can show a window; the
// console host (browser UI on 127.0.0.1) otherwise. Builds whatever is missing or stale first.
// The decision is electron/main/start-plan.ts (pure, unit-tested); this file gathers facts
// and runs processes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { planStart } = await import('../electron/main/start-plan.ts');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/**
 * Where node_modules/electron keeps its binary, and whether it runs. Deliberately not
 * `require('electron')`: since Electron 4x that call tries to DOWNLOAD a missing binary,
 * which on an offline machine hangs or fails instead of answering "not installed".
 */
function probeElectron() {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { state: 'missing' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { state: 'missing' };
  const rel = readFileSync(pathFile, 'utf8').trim();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const exe = override ? join(override, rel || 'electron') : join(pkgDir, 'dist', rel);
  if (!existsSync(exe)) return { state: 'missing' };
  // Run as plain Node: proves the binary and its libraries load, without needing a display.
  const r = spawnSync(exe, ['-e', 'process.stdout.write(String(process.versions.electron || ""))'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) return { state: 'broken', path: exe, detail: r.error.message };
  if (r.status !== 0) return { state: 'broken', path: exe, detail: `exit code ${r.status}${r.stderr ? `: ${r.stderr.trim().split('\n')[0]}` : ''}` };
  const version = r.stdout.trim();
  return version ? { state: 'ok', path: exe, version } : { state: 'broken', path: exe, detail: 'it printed no version' };
}

/** Newest mtime under the given folders (tests and build output skipped). */
function newest(...dirs) {
  let max = 0;
  const walk = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
        walk(join(p, name));
      }
    } else if (!/\.test\.tsx?$/.test(p)) {
      max = Math.max(max, st.mtimeMs);
    }
  };
  dirs.forEach((d) => walk(join(root, d)));
  return max;
}

const mtime = (p) => {
  try {
    return statSync(join(root, p)).mtimeMs;
  } catch {
    return null;
  }
};

const plan = planStart({
  electron: probeElectron(),
  platform: process.platform,
  hasDisplay: Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY),
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  newestSource: {
    renderer: newest('renderer', 'electron/api', 'electron/engine'),
    electron: newest('electron', 'tsconfig.json', 'tsconfig.build.json'),
  },
  built: {
    renderer: mtime('dist/renderer/index.html'),
    main: mtime('dist/electron/main/main.js'),
    preload: mtime('dist/preload/preload.cjs'),
  },
  node: process.execPath,
});

if (plan.mode === 'console') process.stdout.write(`${plan.notice}\n`);

for (const step of plan.builds) {
  process.stderr.write(`Building ${step.label}...\n`);
  const [cmd, ...rest] = step.argv;
  // Build chatter goes to stderr so stdout carries only the notice and the console's URL line.
  const r = spawnSync(cmd, rest, { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write(`Building ${step.label} failed (${r.error ? r.error.message : `exit code ${r.status}`}); not starting.\n`);
    process.exit(r.status || 1);
  }
}

const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child =
  plan.mode === 'electron'
    ? spawn(plan.electronPath, ['.', ...args], { cwd: root, stdio: 'inherit', env })
    : spawn(process.execPath, [join(root, 'bin', 'appliance.js'), 'console', ...args], { cwd: root, stdio: 'inherit', env });

// Ctrl+C reaches the child through the terminal's process group; wait for it to finish.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (e) => {
  process.stderr.write(`Could not start ${plan.mode === 'electron' ? 'Electron' : 'the console'}: ${e.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
