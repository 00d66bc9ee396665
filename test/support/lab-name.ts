/**
 * A lab name for a test run's own lab: `base` plus the suffix of APPLIANCE_IT_LAB ("it9" -> "9"),
 * so two worktrees running suites, e2e specs or benches side by side never bring up the same lab
 * (lab names are global on the host: bridges, network namespaces). At most 8 characters in all.
 * Plain module (no vitest import) so Playwright's global setup and the benches can use it too.
 */
export function testLabName(base: string): string {
  const suffix = (process.env.APPLIANCE_IT_LAB ?? '').replace(/^it/, '');
  return `${base}${suffix}`.slice(0, 8);
}
