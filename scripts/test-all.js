#!/usr/bin/env node
// `npm test`: every suite in order (unit, integration against the practice lab, e2e in
// Chromium), each with a JSON report, then one closing line `N passed, N failed, N skipped`
// totalling all of them. A suite that crashes before reporting counts as one failure.
// Exit code is non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const only = process.argv.slice(2);

const suites = [
  {
    // Types and lint are checks like any other: a red typecheck must fail CI.
    name: 'static',
    report: join(results, 'static.json'),
    run: () => {
      const checks = { typecheck: run(['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'], {}), lint: run(['npx', 'eslint', '.'], {}) };
      const failed = Object.entries(checks).filter(([, s]) => s !== 0).map(([n]) => n);
      writeFileSync(join(results, 'static.json'), JSON.stringify({ checks, failed }));
      return failed.length ? 1 : 0;
    },
    count: (j) => ({ passed: 2 - j.failed.length, failed: j.failed.length, skipped: 0, note: j.failed.length ? `failed: ${j.failed.join(', ')}` : undefined }),
  },
  {
    name: 'unit',
    report: join(results, 'unit.json'),
    cmd: ['npx', 'vitest', 'run', '--project', 'unit', '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, 'unit.json')}`],
    count: vitestCounts,
  },
  {
    name: 'integration',
    report: join(results, 'integration.json'),
    cmd: ['npx', 'vitest', 'run', '--project', 'integration', '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, 'integration.json')}`],
    count: vitestCounts,
  },
  {
    name: 'e2e',
    report: join(results, 'e2e.json'),
    pre: ['npx', 'vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    cmd: ['npx', 'playwright', 'test', '-c', 'test/e2e/playwright.config.ts', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: join(results, 'e2e.json') },
    count: playwrightCounts,
  },
].filter((s) => only.length === 0 || only.includes(s.name));

const totals = { passed: 0, failed: 0, skipped: 0, suites: {} };
for (const suite of suites) {
  console.log(`\n=== ${suite.name} ===`);
  rmSync(suite.report, { force: true });
  if (suite.pre) run(suite.pre, {});
  const status = suite.run ? suite.run() : run(suite.cmd, suite.env ?? {});
  let c = existsSync(suite.report) ? suite.count(JSON.parse(readFileSync(suite.report, 'utf8'))) : null;
  if (!c) c = { passed: 0, failed: 1, skipped: 0, note: `no report (exit ${status})` };
  else if (status !== 0 && c.failed === 0) c = { ...c, failed: 1, note: `runner exited ${status} with no failed test (setup or collection error)` };
  totals.suites[suite.name] = c;
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
  console.log(`--- ${suite.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${c.note ? ` (${c.note})` : ''}`);
}
writeFileSync(join(results, 'totals.json'), JSON.stringify(totals, null, 2));
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = totals.failed > 0 ? 1 : 0;

function run(cmd, env) {
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function vitestCounts(j) {
  // A file that fails to load has no failed test of its own: count it once as a failure.
  const brokenFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  return { passed: j.numPassedTests ?? 0, failed: (j.numFailedTests ?? 0) + brokenFiles, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0) };
}

function playwrightCounts(j) {
  const s = j.stats ?? {};
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: s.unexpected ?? 0, skipped: s.skipped ?? 0 };
}
