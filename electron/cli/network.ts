import { type Command, Option } from 'commander';
import pc from 'picocolors';
import {
  PRESET_NAMES,
  type PlanProblem,
  type PresetName,
  loadSitePlan,
  planSite,
  renderSitePlan,
  reportRows,
  verifySitePlan,
} from '../engine/network/index.js';
import { EXIT, action, cliEventSink, formatTable, printJson } from './output.js';
import { passphraseOptions, siteOption, sitePassphrase } from './site-options.js';

function printProblems(problems: PlanProblem[]): void {
  if (problems.length === 0) {
    process.stdout.write(`${pc.green('ok')}: the network plan has no problems\n`);
    return;
  }
  for (const p of problems) {
    const tag = p.severity === 'error' ? pc.red('error') : pc.yellow('warning');
    process.stdout.write(`${tag} ${p.path}: ${p.message}\n`);
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  process.stdout.write(`${errors} error(s), ${problems.length - errors} warning(s)\n`);
}

/** `appliance network plan|check|render|verify`. */
export function registerNetwork(program: Command): Command {
  const network = program.command('network').description('Network segmentation plan: DMZ, App, Data, Mgmt; firewall matrix; DNS');

  network
    .command('plan')
    .description("Create the site's network plan from a preset and write it into site.yaml")
    .addOption(siteOption())
    .addOption(new Option('--preset <name>', 'layout to start from').choices([...PRESET_NAMES]).default('onprem-guide'))
    .option('--json', 'print the plan and its problems as JSON')
    .action(
      action(async (opts: { site: string; preset: PresetName; json?: boolean }) => {
        const { plan, problems } = await planSite(opts.site, opts.preset);
        if (opts.json) printJson({ plan, problems });
        else {
          process.stdout.write(`Wrote the ${opts.preset} network plan into ${opts.site}/site.yaml\n`);
          process.stdout.write(
            formatTable(
              ['segment', 'cidr', 'gateway', 'vlan', 'purpose'],
              (['dmz', 'app', 'data', 'mgmt'] as const).map((s) => [s, plan.segments[s].cidr, plan.segments[s].gateway, plan.segments[s].vlan, plan.segments[s].purpose]),
            ) + '\n',
          );
          process.stdout.write(formatTable(['host', 'addresses'], Object.entries(plan.hosts).map(([h, a]) => [h, Object.entries(a).map(([s, ip]) => `${s} ${ip}`).join(', ')])) + '\n');
          process.stdout.write(`VIP ${plan.vip}\n`);
          printProblems(problems);
        }
        return problems.some((p) => p.severity === 'error') ? EXIT.USAGE : EXIT.OK;
      }),
    );

  network
    .command('check')
    .description("Validate the site's network plan (exit 2 when it has errors)")
    .addOption(siteOption())
    .option('--json', 'print the problems as JSON')
    .action(
      action(async (opts: { site: string; json?: boolean }) => {
        const { problems } = await loadSitePlan(opts.site);
        if (opts.json) printJson({ ok: !problems.some((p) => p.severity === 'error'), problems });
        else printProblems(problems);
        return problems.some((p) => p.severity === 'error') ? EXIT.USAGE : EXIT.OK;
      }),
    );

  network
    .command('render')
    .description('Render nftables, ufw, netplan, hosts, dnsmasq, haproxy and keepalived files for every host')
    .addOption(siteOption())
    .requiredOption('--out <dir>', 'output folder')
    .option('--json', 'print the written files as JSON')
    .action(
      action(async (opts: { site: string; out: string; json?: boolean }) => {
        const { files, written } = await renderSitePlan(opts.site, opts.out);
        if (opts.json) printJson({ files: files.map((f) => ({ path: f.path, installTo: f.installTo ?? null })), written });
        else process.stdout.write(formatTable(['file', 'install to'], files.map((f) => [f.path, f.installTo])) + `\n${written.length} file(s) written under ${opts.out}\n`);
      }),
    );

  const verify = network
    .command('verify')
    .description('Prove the plan with packets: from every host, connect to every other host on allowed and denied ports')
    .addOption(siteOption())
    .option('--no-listeners', 'do not start temporary listeners on the far side (probe only real services)')
    .option('--denied-sample <n>', 'denied ports tried per host pair', (v) => Number.parseInt(v, 10), 3)
    .option('--json', 'print the report as JSON');
  for (const o of passphraseOptions()) verify.addOption(o);
  verify.action(
    action(async (opts: { site: string; listeners: boolean; deniedSample: number; json?: boolean; passphraseFile?: string }) => {
      const passphrase = await sitePassphrase(opts);
      const report = await verifySitePlan(opts.site, passphrase, {
        listeners: opts.listeners,
        deniedSample: opts.deniedSample,
        onEvent: cliEventSink({ quiet: opts.json }),
        task: 'network.verify',
      });
      if (opts.json) printJson(report);
      else {
        process.stdout.write(formatTable(['from', 'to', 'port', 'expected', 'observed', 'result', 'evidence'], reportRows(report)) + '\n');
        for (const n of report.notes) process.stdout.write(`${pc.yellow('note')}: ${n}\n`);
        process.stdout.write(`${report.passed} as planned, ${report.failed} mismatch(es), ${report.unknown} not observable\n`);
      }
      return report.failed > 0 ? EXIT.FAILED : EXIT.OK;
    }),
  );
  return network;
}
