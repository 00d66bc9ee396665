import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { defaultTrustDirs } from '../engine/bundle/index.js';
import type { ApplianceEvent } from '../engine/events/index.js';
import { forceUnlock, formatPreflightFailure, installSite, installStatus, type InstallResult } from '../engine/install/index.js';
import type { StepReport } from '../engine/install/schema.js';
import { defaultAppPaths } from '../main/app-paths.js';
import { action, cliEventSink, EXIT, printJson } from './output.js';
import { addSiteOptions, sitePassphrase } from './site-options.js';

interface InstallOpts {
  site: string;
  bundle?: string;
  trust?: string[];
  dryRun?: boolean;
  resume?: boolean;
  json?: boolean;
  passphraseFile?: string;
  forceUnlock?: string;
  status?: boolean;
  verbose?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const OUTCOME: Record<string, (s: string) => string> = { ok: pc.dim, changed: pc.green, failed: pc.red, blocked: pc.yellow, cancelled: pc.yellow, skipped: pc.dim };

/** `appliance install`: preview (--dry-run), run, resume, status and force-unlock of a site install. */
export function registerInstall(program: Command): void {
  const cmd = program
    .command('install')
    .description('Install the site from its verified bundle over SSH (single server: Docker Compose); resumable, journaled, audited')
    .option('--bundle <path>', 'bundle folder or archive (default: the one site.yaml remembers; a new one is remembered)')
    .option('--trust <pubkey>', 'also trust this vendor public key (repeatable)', collect)
    .option('--dry-run', 'connect, run the preflight and every probe, and list what would change with every command (changes nothing)')
    .option('--resume', 'continue an interrupted or failed install (finished steps are checked, never repeated)')
    .option('--status', 'show the last run and the lock holder, then exit (no passphrase needed)')
    .addOption(new Option('--force-unlock <lockId>', "remove a dead run's lock (the ID is in the lock error)"))
    .option('--verbose', 'print every log line of every host (remote output included), also when not on a terminal')
    .option('--json', 'machine-readable output');
  addSiteOptions(cmd);
  cmd.action(
    action(async (o: InstallOpts) => {
      if (o.status) {
        const s = await installStatus(o.site);
        if (o.json) return printJson(s);
        process.stdout.write(statusText(s) + '\n');
        return;
      }
      if (o.forceUnlock) {
        const h = await forceUnlock(o.site, o.forceUnlock);
        process.stdout.write(`Removed the install lock of ${h.who} (pid ${h.pid}, since ${h.started}).\n`);
        return;
      }
      const passphrase = await sitePassphrase(o);
      const paths = defaultAppPaths();
      const ac = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        if (++interrupts > 1) process.exit(130);
        process.stderr.write('\nCancelling: the running command is stopped and the journal written (Ctrl-C again to quit at once)...\n');
        ac.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const sink = cliEventSink({ quiet: o.json, verbose: o.verbose });
      try {
        const r = await installSite({
          dir: o.site,
          ...(o.bundle ? { bundle: o.bundle } : {}),
          passphrase,
          trustDirs: defaultTrustDirs(paths),
          trust: o.trust ?? [],
          cacheDir: paths.dataDir,
          dryRun: o.dryRun ?? false,
          resume: o.resume ?? false,
          task: 'install',
          signal: ac.signal,
          onEvent: (e) => (o.json ? undefined : (sink(e), stepLine(e, o.dryRun ?? false))),
        });
        if (o.json) printJson(r);
        else process.stdout.write(resultText(r) + '\n');
        if (!r.run) return EXIT.FAILED;
        return r.run.state === 'done' ? EXIT.OK : EXIT.FAILED;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    }),
  );
}

/** One line per finished step (a real run): host, outcome, phase, title, reason, time. */
function stepLine(e: ApplianceEvent, dryRun: boolean): void {
  if (dryRun || e.type !== 'step' || !e.outcome) return;
  const color = OUTCOME[e.outcome] ?? ((s: string) => s);
  process.stderr.write(`${e.host ?? ''}  ${color(e.outcome.padEnd(9))} ${(e.phase ?? '').padEnd(9)} ${e.title ?? e.step}${e.reason ? pc.dim(` (${e.reason})`) : ''}${e.error ? `\n    ${pc.red(e.error)}` : ''}\n`);
}

export function resultText(r: InstallResult): string {
  if (!r.run) return formatPreflightFailure(r.preflight);
  const out: string[] = [];
  const warns = r.preflight.hosts.flatMap((h) => h.checks.filter((c) => c.status === 'warn').map((c) => `  ${h.host}: ${c.title}: ${c.detail}`));
  if (warns.length) out.push('Preflight warnings:', ...warns);
  if (r.run.dryRun) {
    out.push(`Plan for ${r.bundle.name} ${r.bundle.version} (dry run: nothing was changed)`);
    for (const host of new Set(r.run.steps.map((s) => s.host))) {
      out.push('', `${host}:`);
      for (const s of r.run.steps.filter((x) => x.host === host)) out.push(...planLines(s));
    }
  }
  out.push('', r.run.summary, `Run ${r.run.runId} took ${(r.run.durationMs / 1000).toFixed(1)} s.`);
  return out.join('\n');
}

function planLines(s: StepReport): string[] {
  const mark = s.action === 'apply' ? pc.yellow('~ would change') : pc.dim('  no change    ');
  return [`  ${mark} ${s.phase.padEnd(9)} ${s.title} ${pc.dim(`(${s.reason})`)}`, ...(s.commands ?? []).map((c) => `        $ ${c}`)];
}

function statusText(s: Awaited<ReturnType<typeof installStatus>>): string {
  const out: string[] = [];
  const r = s.lastRealRun;
  if (!r) out.push('No install has run on this site yet.');
  else {
    out.push(`Last install: run ${r.runId}, started ${r.startedAt}: ${r.state}${r.durationMs !== undefined ? ` after ${(r.durationMs / 1000).toFixed(1)} s` : ''}.`);
    if (r.summary) out.push(r.summary);
    if (r.inDoubt.length) out.push(`Interrupted during: ${r.inDoubt.map((d) => `${d.host}/${d.step}`).join(', ')} (checked again on --resume).`);
  }
  out.push(s.lock ? `Locked by ${s.lock.who} (pid ${s.lock.pid}, ${s.lock.operation} since ${s.lock.started}, lock ID ${s.lock.lockId}).` : 'Not locked.');
  return out.join('\n');
}
