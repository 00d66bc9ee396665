import { type Command, Option } from 'commander';
import { detectLocalHardware, type HardwareReport } from '../engine/hardware/index.js';
import { action, formatTable, humanBytes, printJson } from './output.js';

/** `appliance hardware`: this machine's hardware (site hosts and sizing are added by the targets work). */
export function registerHardware(program: Command): Command {
  return program
    .command('hardware')
    .description('Detect hardware: this machine by default')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'same as --format json')
    .action(
      action(async (opts: { format: string; json?: boolean }) => {
        const report = await detectLocalHardware();
        if (opts.json || opts.format === 'json') printJson(report);
        else process.stdout.write(renderHardwareReport(report) + '\n');
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
