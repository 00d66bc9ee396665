import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { detectLocalHardware, type HardwareReport } from '../engine/hardware/index.js';
import { probeSiteHardware, type SiteSizing, type SizingCheck } from '../engine/sizing/index.js';
import { loadSite } from '../engine/site/index.js';
import { action, cliEventSink, EXIT, formatTable, humanBytes, printJson } from './output.js';
import { passphraseOptions, sitePassphrase } from './site-options.js';

interface HardwareOpts {
  format: string;
  json?: boolean;
  site?: string;
  profile?: string;
  host?: string[];
  bundleSize?: number;
  sudo: boolean;
  timeout: number;
  passphraseFile?: string;
}

/**
 * `appliance hardware`: this machine's hardware by default; with `--site DIR`, every server of
 * the site probed over SSH and judged against the sizing profile (exit 1 when the verdict is fail).
 */
export function registerHardware(program: Command): Command {
  const cmd = program
    .command('hardware')
    .description("Detect hardware: this machine by default, or with --site every server of a site (over SSH) against the sizing tier")
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'same as --format json')
    .option('--site <dir>', 'probe the servers of this site folder over SSH and give the sizing verdict')
    .option('--profile <name>', 'sizing profile (default: the production tier of the site topology; "lab" for practice labs)')
    .option('--host <name...>', 'only these hosts (default: every host with role server)')
    .option('--bundle-size <bytes>', "bundle size for the free-space check (default: the site's bundle, when present)", (v) => Number(v))
    .option('--no-sudo', 'never use sudo (ECC then stays unknown for non-root users)')
    .option('--timeout <seconds>', 'SSH connect timeout per host', (v) => Number(v) * 1000, 10_000);
  for (const o of passphraseOptions()) cmd.addOption(o);
  return cmd.action(
    action(async (opts: HardwareOpts) => {
      const json = opts.json || opts.format === 'json';
      if (!opts.site) {
        if (opts.profile) process.stderr.write(pc.yellow('warning') + ': --profile applies to --site only\n');
        const report = await detectLocalHardware();
        if (json) printJson(report);
        else process.stdout.write(renderHardwareReport(report) + '\n');
        return EXIT.OK;
      }
      const site = await loadSite(opts.site);
      const passphrase = await sitePassphrase(opts);
      const sizing = await probeSiteHardware(site, passphrase, {
        ...(opts.profile ? { profile: opts.profile } : {}),
        ...(opts.host ? { hosts: opts.host } : {}),
        ...(opts.bundleSize !== undefined && Number.isFinite(opts.bundleSize) ? { bundleBytes: opts.bundleSize } : {}),
        sudo: opts.sudo ? 'auto' : 'never',
        connectTimeoutMs: opts.timeout,
        onEvent: cliEventSink({ quiet: json }),
        task: 'hardware.site',
      });
      if (json) printJson(sizing);
      else process.stdout.write(renderSiteSizing(sizing) + '\n');
      return sizing.verdict === 'fail' ? EXIT.FAILED : EXIT.OK;
    }),
  );
}

/** A readable multi-section report for a terminal. */
export function renderHardwareReport(r: HardwareReport): string {
  const out: string[] = [];
  out.push(`Host ${r.host} (${r.source}), ${r.os.distro} ${r.os.release}, kernel ${r.os.kernel}, ${r.os.arch}`);
  out.push(
    formatTable(
      ['item', 'value'],
      [
        ['CPU', r.cpu.model],
        ['cores / threads', `${r.cpu.cores} / ${r.cpu.threads}`],
        ['x86-64-v2', r.cpu.x86_64_v2 === null ? 'n/a' : r.cpu.x86_64_v2 ? 'yes' : 'NO'],
        ['memory', humanBytes(r.memory.totalBytes)],
        ['ECC', r.memory.ecc],
        ['swap', humanBytes(r.memory.swapTotalBytes)],
        ['virtualization', r.virtualization.virtual === null ? 'unknown' : r.virtualization.virtual ? `yes (${r.virtualization.kind ?? 'unknown'})` : 'no'],
        ['cgroup', r.cgroupVersion ? `v${r.cgroupVersion}` : 'unknown'],
      ],
    ),
  );
  if (r.disks.length) {
    out.push('', 'Disks');
    out.push(formatTable(['name', 'size', 'kind', 'rotational', 'model'], r.disks.map((d) => [d.name, humanBytes(d.sizeBytes), d.kind, d.rotational === null ? '?' : d.rotational ? 'yes' : 'no', d.model])));
  }
  if (r.filesystems.length) {
    out.push('', 'Filesystems');
    out.push(formatTable(['mount', 'type', 'size', 'free', 'device'], r.filesystems.map((f) => [f.mount, f.fsType, humanBytes(f.sizeBytes), humanBytes(f.freeBytes), f.device])));
  }
  if (r.nics.length) {
    out.push('', 'Network interfaces');
    out.push(formatTable(['name', 'state', 'speed', 'addresses'], r.nics.map((n) => [n.name, n.up === null ? '?' : n.up ? 'up' : 'down', n.speedMbps ? `${n.speedMbps} Mb/s` : '-', n.addresses.join(', ')])));
  }
  if (r.warnings.length) out.push('', 'Not measured:', ...r.warnings.map((w) => `  - ${w}`));
  return out.join('\n');
}

const COLOUR = { pass: pc.green, info: pc.cyan, warn: pc.yellow, fail: pc.red } as const;

/** The table of checks, then one "->" line per check that needs action (remediations are too long for a column). */
function checkRows(checks: SizingCheck[]): string {
  const table = formatTable(
    ['requirement', 'measured', 'required', 'verdict'],
    checks.map((c) => [c.title, c.measured, c.required, COLOUR[c.status](c.status.toUpperCase())]),
  );
  const todo = checks.filter((c) => c.remediation).map((c) => `  ${COLOUR[c.status]('->')} ${c.title}: ${c.remediation}`);
  return [table, ...todo].join('\n');
}

/** The sizing verdict as tables: the profile banner, one table per host, cluster checks, overall verdict. */
export function renderSiteSizing(s: SiteSizing): string {
  const out: string[] = [];
  const banner = s.profile.banner ? pc.bold(pc.yellow(s.profile.banner)) : `profile: ${s.profile.name}`;
  out.push(banner, `${s.profile.title} — topology ${s.topology}${s.bundleBytes ? `, bundle ${humanBytes(s.bundleBytes)}` : ''}`);
  for (const h of s.hosts) {
    const r = h.report;
    out.push('', pc.bold(`${h.host}: ${COLOUR[h.verdict](h.verdict.toUpperCase())}`) + (r ? `  ${r.cpu.model}, ${r.os.distro}` : ''));
    out.push(checkRows(h.checks));
    if (r?.warnings.length) out.push('  not measured:', ...r.warnings.map((w) => `    - ${w}`));
  }
  out.push('', pc.bold('Cluster'), checkRows(s.cluster));
  for (const n of s.notes) out.push('', `note: ${n}`);
  out.push('', pc.bold(`Verdict: ${COLOUR[s.verdict](s.verdict.toUpperCase())}`) + (s.profile.banner ? `  (${s.profile.banner})` : ''));
  return out.join('\n');
}
