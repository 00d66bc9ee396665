import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { loadSite } from '../engine/site/index.js';
import { openSiteTargets, testTargets, uploadToHosts, type TargetTestResult } from '../engine/targets/index.js';
import { action, cliEventSink, EXIT, formatTable, humanBytes, printJson } from './output.js';
import { addSiteOptions, sitePassphrase } from './site-options.js';

/** `appliance targets ...`: check and use the site's hosts over SSH. */
export function registerTargets(program: Command): Command {
  const targets = program.command('targets').description("Reach the site's hosts over SSH: test connections, upload files");

  addSiteOptions(
    targets
      .command('test')
      .description('On every host in parallel: TCP reachability, SSH login (pinned host key), sudo, free disk space')
      .option('--host <name...>', 'only these hosts')
      .addOption(new Option('--timeout <seconds>', 'connect timeout per host').argParser((v) => Number(v) * 1000).default(10_000, '10'))
      .option('--json', 'machine-readable output'),
  ).action(
    action(async (opts: { site: string; host?: string[]; timeout: number; json?: boolean; passphraseFile?: string }) => {
      const site = await loadSite(opts.site);
      const passphrase = await sitePassphrase(opts);
      const results = await testTargets(site, passphrase, { connectTimeoutMs: opts.timeout, ...(opts.host ? { hosts: opts.host } : {}) });
      if (opts.json) printJson({ ok: results.every((r) => r.ok), results });
      else process.stdout.write(renderTestResults(results) + '\n');
      return results.length > 0 && results.every((r) => r.ok) ? EXIT.OK : EXIT.FAILED;
    }),
  );

  addSiteOptions(
    targets
      .command('upload <file> <remotePath>')
      .description('Upload a file to hosts (resumable, verified with sha256 on the host)')
      .option('--host <name...>', 'only these hosts (default: all)')
      .option('--sha256 <digest>', 'expected digest (else computed here)')
      .option('--sudo', 'write as root')
      .option('--no-resume', 'start over instead of continuing a partial upload')
      .option('--json', 'machine-readable output'),
  ).action(
    action(async (file: string, remotePath: string, opts: { site: string; host?: string[]; sha256?: string; sudo?: boolean; resume: boolean; json?: boolean; passphraseFile?: string }) => {
      const site = await loadSite(opts.site);
      const passphrase = await sitePassphrase(opts);
      const list = await openSiteTargets(site, passphrase, { ...(opts.host ? { hosts: opts.host } : {}) });
      try {
        const results = await uploadToHosts(list, file, remotePath, {
          resume: opts.resume,
          ...(opts.sha256 ? { sha256: opts.sha256 } : {}),
          ...(opts.sudo ? { sudo: true } : {}),
          onEvent: cliEventSink({ quiet: !!opts.json }),
          task: 'upload',
        });
        if (opts.json) printJson(results);
        else
          process.stdout.write(
            formatTable(
              ['host', 'result', 'size', 'resumed from', 'time'],
              results.map((r) => [r.host, r.ok ? (r.result!.alreadyPresent ? 'already there' : pc.green('ok')) : pc.red(r.error!.message), humanBytes(r.result?.size), humanBytes(r.result?.resumedFrom), r.result ? `${(r.result.durationMs / 1000).toFixed(1)} s` : '-']),
            ) + '\n',
          );
        return results.every((r) => r.ok) ? EXIT.OK : EXIT.FAILED;
      } finally {
        await Promise.all(list.map((t) => t.close()));
      }
    }),
  );
  return targets;
}

const mark = (ok: boolean) => (ok ? pc.green('ok') : pc.red('FAIL'));

/** One line per host, then the reasons for failures. */
export function renderTestResults(results: TargetTestResult[]): string {
  const rows = results.map((r) => [
    r.host,
    `${r.address}:${r.port}`,
    mark(r.reachable.ok),
    mark(r.auth.ok),
    r.sudo.ok ? pc.green(r.sudo.mode ?? 'ok') : mark(false),
    r.disk.ok ? pc.green(r.disk.mounts.map((m) => `${m.mount} ${humanBytes(m.freeBytes)}`).join(' ')) : r.disk.mounts.length ? pc.red(r.disk.detail) : mark(false),
    r.ok ? pc.green('OK') : pc.red('FAILED'),
  ]);
  const lines = [formatTable(['host', 'address', 'tcp', 'login', 'sudo', 'free disk', 'result'], rows)];
  for (const r of results.filter((x) => !x.ok)) {
    const first = [r.reachable, r.auth, r.sudo, r.disk].find((c) => !c.ok);
    if (first) lines.push(`${r.host}: ${first.detail}`);
  }
  return lines.join('\n');
}
