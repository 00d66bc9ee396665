import type { PreflightReport } from './schema.js';

/**
 * The error text of a failed preflight: every failing check of every host, with its values
 * (sizes, ports, processes, offsets) and what to do. Warnings are listed after, shorter.
 */
export function formatPreflightFailure(report: PreflightReport): string {
  const out = ['Preflight failed: nothing was changed on any host.'];
  for (const h of report.hosts) {
    const fails = h.checks.filter((c) => c.status === 'fail');
    if (!fails.length) continue;
    out.push(`${h.host}:`);
    for (const c of fails) {
      out.push(`  - ${c.title}: ${c.detail}`);
      if (c.remediation) out.push(`    fix: ${c.remediation}`);
    }
  }
  const warns = report.hosts.flatMap((h) => h.checks.filter((c) => c.status === 'warn').map((c) => `${h.host}: ${c.title}: ${c.detail}`));
  if (warns.length) out.push('Warnings:', ...warns.map((w) => `  - ${w}`));
  return out.join('\n');
}
