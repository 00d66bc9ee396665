// Start-up of the `appliance` command against `node -e 0` in the same run (goal: `--version`
// and `--help` within 0.15 s of it). Medians of 15 runs, taken round-robin so that load on the
// machine weighs on every command alike. Also measured: a command that loads a capability
// (`bundle --help` imports the bundle engine, zod, yaml), the sources through tsx (what every
// call cost before dist/ was used), dist/ with every group imported up front (the cost before
// groups were loaded on use), and the source-stamp check the launcher makes on each call.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distIsCurrent, sourceListing } from '../../bin/source-stamp.js';

const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'appliance.js');
const RUNS = 15;
const GOAL_SECONDS = 0.15;

const CASES: Record<string, { args: string[]; env?: Record<string, string> }> = {
  nodeE0: { args: ['-e', '0'] },
  version: { args: [BIN, '--version'] },
  help: { args: [BIN, '--help'] },
  bundleHelp: { args: [BIN, 'bundle', '--help'] },
  versionFromSources: { args: [BIN, '--version'], env: { APPLIANCE_FROM_SOURCE: '1' } },
};
// The compiled --version with every command group imported up front, as before groups were
// loaded on use (measured only when dist/ is current).
const EAGER = `const m = await import(${JSON.stringify(pathToFileURL(join(REPO, 'dist', 'electron', 'cli', 'appliance.js')).href)});
try { await (await m.buildProgram('all')).parseAsync(['node', 'appliance', '--version']); } catch {}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timedRun(name: string): number {
  const c = CASES[name]!;
  const t = performance.now();
  const r = spawnSync(process.execPath, c.args, { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...c.env } });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
  return seconds;
}

export default async function run(): Promise<Record<string, unknown>> {
  // The launcher runs dist/ only when it matches the sources; say which one was measured.
  const dist = distIsCurrent(REPO);
  const cli = dist ? 'dist' : 'sources (dist/ is not current: npm run build:cli)';
  if (dist) CASES.versionDistAllGroups = { args: ['--input-type=module', '-e', EAGER] };
  const loadBefore = loadavg()[0]!;
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((k) => [k, []]));
  for (const name of Object.keys(CASES)) timedRun(name); // warm-up: page cache
  for (let i = 0; i < RUNS; i++) for (const name of Object.keys(CASES)) times[name]!.push(timedRun(name));

  const medianSeconds = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, +median(v).toFixed(3)]));
  const base = medianSeconds.nodeE0!;
  const deltaVsNodeSeconds = Object.fromEntries(
    Object.entries(medianSeconds)
      .filter(([k]) => k !== 'nodeE0')
      .map(([k, v]) => [k, +(v - base).toFixed(3)]),
  );

  const checks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    sourceListing(REPO);
    checks.push(performance.now() - t);
  }

  return {
    cli,
    runs: RUNS,
    medianSeconds,
    deltaVsNodeSeconds,
    goalDeltaSeconds: GOAL_SECONDS,
    meetsGoal: deltaVsNodeSeconds.version! <= GOAL_SECONDS && deltaVsNodeSeconds.help! <= GOAL_SECONDS,
    stampCheckMedianMs: +median(checks).toFixed(2),
    // Start-up is short: on a busy machine every figure (node -e 0 too) grows several-fold.
    loadAverage1m: [+loadBefore.toFixed(2), +loadavg()[0]!.toFixed(2)],
  };
}
