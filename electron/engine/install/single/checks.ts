import { ApplianceError } from '../../errors.js';
import type { StackPaths } from '../render/index.js';
import type { Step, StepContext } from '../types.js';
import { composeArgv } from './compose-cli.js';
import type { Project } from './stack-start.js';

/** Enables the daily backup timer the stack files step wrote. */
export function backupTimerStep(host: string, paths: StackPaths): Step {
  const state = async (ctx: StepContext) => {
    const [en, act] = await Promise.all([
      ctx.probeExec(['systemctl', 'is-enabled', paths.backupTimerName], { allowFailure: true }),
      ctx.probeExec(['systemctl', 'is-active', paths.backupTimerName], { allowFailure: true }),
    ]);
    return { enabled: en.stdout.trim() === 'enabled', active: act.stdout.trim() === 'active' };
  };
  return {
    id: 'backup.timer',
    title: 'Daily database backup (systemd timer)',
    host,
    phase: 'configure',
    dependsOn: ['stack.files'],
    async probe(ctx) {
      const s = await state(ctx);
      return s.enabled && s.active ? { done: true, reason: `${paths.backupTimerName} enabled and waiting` } : { done: false, reason: `${paths.backupTimerName} ${s.enabled ? 'enabled but not active' : 'not enabled'}` };
    },
    async apply(ctx) {
      await ctx.exec(['systemctl', 'daemon-reload'], { sudo: true });
      await ctx.exec(['systemctl', 'enable', '--now', paths.backupTimerName], { sudo: true });
    },
    async verify(ctx) {
      const s = await state(ctx);
      if (!s.enabled || !s.active) throw new ApplianceError('FAILED', `${paths.backupTimerName} on ${ctx.host} is not enabled and active.`);
    },
  };
}

/** The newest dump's file name (read-only), or "". */
async function newestDump(ctx: StepContext, paths: StackPaths): Promise<string> {
  const r = await ctx.probeExec(['find', paths.backupDir, '-maxdepth', '1', '-type', 'f', '-name', '*.dump'], { sudo: true, allowFailure: true });
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort().at(-1)?.split('/').at(-1) ?? '';
}

/**
 * Verify: a backup exists and restores. Runs the backup service once (the same unit the timer
 * starts) and then the restore test into a scratch database, which compares every table's row
 * count with the live one. Recorded beside the dumps, so a re-run trusts a tested newest dump.
 */
export function backupVerifiedStep(host: string, paths: StackPaths): Step {
  const okFile = `${paths.backupDir}/.restore-test-passed`;
  const tested = async (ctx: StepContext) => {
    const [dump, ok] = await Promise.all([newestDump(ctx, paths), ctx.probeExec(['cat', okFile], { sudo: true, allowFailure: true })]);
    return { dump, passed: dump !== '' && ok.stdout.trim() === dump };
  };
  return {
    id: 'backup.verified',
    title: 'Back up now and test the restore',
    host,
    phase: 'verify',
    dependsOn: ['stack.up', 'backup.timer'],
    timeoutMs: 30 * 60_000,
    async probe(ctx) {
      const t = await tested(ctx);
      return t.passed ? { done: true, reason: `${t.dump} restored and counted` } : { done: false, reason: t.dump ? `${t.dump} not restore-tested yet` : 'no backup yet' };
    },
    async apply(ctx) {
      await ctx.exec(['systemctl', 'start', '--wait', paths.backupServiceName], { sudo: true, timeoutMs: 20 * 60_000 });
      const dump = ctx.dryRun ? 'DUMP' : await newestDump(ctx, paths);
      if (!dump) throw new ApplianceError('FAILED', `${paths.backupServiceName} on ${ctx.host} finished but left no dump in ${paths.backupDir} (journalctl -u ${paths.backupServiceName}).`);
      await ctx.exec([paths.restoreTestScript, paths.backupConfig], { sudo: true, timeoutMs: 20 * 60_000 });
      await ctx.writeFile(okFile, dump + '\n', { mode: '0600' });
    },
    async verify(ctx) {
      if (!(await tested(ctx)).passed) throw new ApplianceError('FAILED', `The restore test on ${ctx.host} left no record.`);
    },
  };
}

/** curl on the host: the app name through its hosts file, TLS checked against the site CA only. */
async function fetchOnHost(ctx: StepContext, url: string, caFile: string): Promise<{ code: string; error: string }> {
  const r = await ctx.probeExec(['curl', '--silent', '--show-error', '--max-time', '10', '--cacert', caFile, '--output', '/dev/null', '--write-out', '%{http_code}', url], { sudo: true, allowFailure: true, timeoutMs: 30_000 });
  return { code: r.stdout.trim(), error: r.exitCode === 0 ? '' : r.stderr.trim().split('\n').at(-1) ?? `curl exit ${r.exitCode}` };
}

/**
 * Verify: what a user would see. https://<app name>/ and the app's readiness endpoint through
 * the proxy, resolved by the host's own hosts file and validated against the site CA (curl).
 */
export function httpsCheckStep(host: string, input: { urls: string[]; caFile: string; waitMs?: number }): Step {
  const check = async (ctx: StepContext) => {
    const bad: string[] = [];
    for (const url of input.urls) {
      const r = await fetchOnHost(ctx, url, input.caFile);
      if (r.code !== '200') bad.push(`${url}: ${r.error || `HTTP ${r.code}`}`);
    }
    return bad;
  };
  return {
    id: 'verify.https',
    title: 'The app answers over HTTPS with the site certificate',
    host,
    phase: 'verify',
    dependsOn: ['stack.up', 'hosts.file'],
    async probe(ctx) {
      const bad = await check(ctx);
      return bad.length ? { done: false, reason: bad.join('; ') } : { done: true, reason: `${input.urls.join(', ')}: 200, certificate valid` };
    },
    async apply() {
      // Nothing to change: verify waits for the endpoints (the app may still be warming up).
    },
    async verify(ctx) {
      const deadline = Date.now() + (input.waitMs ?? 60_000);
      for (;;) {
        const bad = await check(ctx);
        if (!bad.length) return;
        if (Date.now() > deadline) throw new ApplianceError('FAILED', `From ${ctx.host}: ${bad.join('; ')}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    },
  };
}

/** promtool in the monitoring container asks Prometheus itself (it is on the internal network only). */
async function promQuery(ctx: StepContext, p: Project, service: string, port: number, expr: string): Promise<number | null> {
  const r = await ctx.probeExec(composeArgv(p, 'exec', '-T', service, 'promtool', 'query', 'instant', '-o', 'json', `http://127.0.0.1:${port}`, expr), { sudo: true, allowFailure: true, timeoutMs: 30_000 });
  if (r.exitCode !== 0) return null;
  try {
    const rows = JSON.parse(r.stdout) as { value: [number, string] }[];
    return rows.length ? Number(rows[0]!.value[1]) : 0;
  } catch {
    return null;
  }
}

/** Verify: Prometheus scrapes every target (none down) and has the alert rules loaded. */
export function monitoringCheckStep(host: string, p: Project, input: { service: string; port: number; targets: number; waitMs?: number }): Step {
  const check = async (ctx: StepContext) => {
    const [up, down, rules] = await Promise.all([promQuery(ctx, p, input.service, input.port, 'count(up == 1)'), promQuery(ctx, p, input.service, input.port, 'count(up == 0) or vector(0)'), promQuery(ctx, p, input.service, input.port, 'sum(prometheus_rule_group_rules)')]);
    const bad: string[] = [];
    if (up === null || down === null || rules === null) return ['Prometheus does not answer queries yet'];
    if (up < input.targets) bad.push(`${up} of ${input.targets} targets up`);
    if (down > 0) bad.push(`${down} targets down`);
    if (!(rules > 0)) bad.push('no alert rules loaded');
    return bad.length ? bad : [];
  };
  return {
    id: 'verify.monitoring',
    title: 'Prometheus scrapes every target and has the alert rules',
    host,
    phase: 'verify',
    dependsOn: ['stack.up'],
    async probe(ctx) {
      const bad = await check(ctx);
      return bad.length ? { done: false, reason: bad.join('; ') } : { done: true, reason: `${input.targets} targets up, rules loaded` };
    },
    async apply() {
      // Nothing to change: first scrapes take a scrape interval; verify waits for them.
    },
    async verify(ctx) {
      const deadline = Date.now() + (input.waitMs ?? 90_000);
      for (;;) {
        const bad = await check(ctx);
        if (!bad.length) return;
        if (Date.now() > deadline) throw new ApplianceError('FAILED', `Monitoring on ${ctx.host}: ${bad.join('; ')}.`);
        await new Promise((r) => setTimeout(r, 3000));
      }
    },
  };
}
