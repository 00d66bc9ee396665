// Validation of a plan with 4 segments and 10 hosts (goal: median < 50 ms, it runs on every
// keystroke in the Network screen), and rendering of every file of that plan; against the
// standard tool in the same run: `nft -c -f` checking the rendered router ruleset (the check a
// field engineer would otherwise run by hand), median of 10.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFromPreset, renderPlan, validatePlan } from '../../electron/engine/network/index.js';
import type { PlanSiteContext } from '../../electron/engine/network/schema.js';

const RUNS = 200;

const site: PlanSiteContext = {
  topology: 'k3s-3',
  hosts: [
    { name: 'lb1', role: 'lb' },
    { name: 'lb2', role: 'lb' },
    { name: 'node1', role: 'server' },
    { name: 'node2', role: 'server' },
    { name: 'node3', role: 'server' },
    { name: 'db1', role: 'db' },
    { name: 'db2', role: 'db' },
    { name: 'redis1', role: 'db' },
    { name: 'admin', role: 'mgmt' },
    { name: 'backup', role: 'mgmt' },
  ],
};

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => +s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(3);
  return { medianMs: q(0.5), p95Ms: q(0.95), maxMs: +s[s.length - 1]!.toFixed(3), runs: s.length };
}

export default async function run(): Promise<Record<string, unknown>> {
  const plan = planFromPreset('onprem-guide', site);
  const validate: number[] = [];
  const render: number[] = [];
  let problems = validatePlan(plan, site);
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    problems = validatePlan(plan, site);
    validate.push(performance.now() - t0);
  }
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    renderPlan(plan, problems);
    render.push(performance.now() - t0);
  }
  const nft: number[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'appliance-bench-net-'));
  try {
    const file = join(dir, 'router.nft');
    await writeFile(file, renderPlan(plan, problems).find((f) => f.path === 'router/nftables.nft')!.content);
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const r = spawnSync('nft', ['-c', '-f', file]);
      if (r.status !== 0) throw new Error(`nft -c failed: ${r.stderr}`);
      nft.push(performance.now() - t0);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const v = stats(validate);
  const n = stats(nft);
  return {
    hosts: site.hosts.length,
    segments: 4,
    problems: problems.length,
    validate: v,
    validateGoalMs: 50,
    validateMeetsGoal: v.medianMs < 50,
    renderAllFiles: stats(render),
    nftCheckRouterRuleset: n,
    validateVsNftCheck: +(v.medianMs / n.medianMs).toFixed(4),
  };
}
