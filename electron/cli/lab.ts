import type { Command } from 'commander';
import { ApplianceError } from '../engine/errors.js';
import { DEFAULT_LAB_NAME, labDown, labStatus, labUp, MAX_NODES, type LabStatus } from '../engine/lab/index.js';
import { action, cliEventSink, EXIT, formatTable, printJson } from './output.js';

interface CommonOpts {
  name: string;
  stateDir?: string;
  json?: boolean;
}

/** `appliance lab up|status|down`: the practice lab (fake servers on this machine). See docs/lab.md. */
export function registerLab(program: Command): Command {
  const lab = program
    .command('lab')
    .description('Practice lab: fake servers (namespaces + sshd, optional dockerd) on this machine, for rehearsals and tests');

  lab
    .command('up')
    .description('Start a lab (builds the base root filesystem once, ~1 min; then a few seconds)')
    .option('--nodes <n>', `number of nodes, 1-${MAX_NODES}`, '3')
    .option('--docker', 'run dockerd in every node')
    .option('--name <name>', 'lab name (several labs can coexist)', DEFAULT_LAB_NAME)
    .option('--state-dir <dir>', 'state directory (default $APPLIANCE_LAB_DIR or /var/lib/airgap-appliance/lab)')
    .option('--json', 'print the lab status as JSON')
    .action(
      action(async (opts: CommonOpts & { nodes: string; docker?: boolean }) => {
        if (!/^\d+$/.test(opts.nodes)) throw new ApplianceError('VALIDATION', `--nodes must be a whole number (got "${opts.nodes}").`);
        // Ctrl-C cancels cleanly: labUp removes whatever it had created.
        const ac = new AbortController();
        const cancel = () => ac.abort();
        process.once('SIGINT', cancel);
        process.once('SIGTERM', cancel);
        try {
          const status = await labUp({
            name: opts.name,
            nodes: Number(opts.nodes),
            docker: !!opts.docker,
            stateDir: opts.stateDir,
            onEvent: cliEventSink({ quiet: opts.json }),
            signal: ac.signal,
          });
          if (opts.json) printJson(status);
          else process.stdout.write(renderLabStatus(status) + '\n');
        } finally {
          process.off('SIGINT', cancel);
          process.off('SIGTERM', cancel);
        }
      }),
    );

  lab
    .command('status')
    .description('Show a lab: nodes, addresses, host key fingerprints, and how to ssh in (exit 1 if a node is not running)')
    .option('--name <name>', 'lab name', DEFAULT_LAB_NAME)
    .option('--state-dir <dir>', 'state directory')
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: CommonOpts) => {
        const status = await labStatus({ name: opts.name, stateDir: opts.stateDir });
        if (opts.json) printJson(status);
        else process.stdout.write(renderLabStatus(status) + '\n');
        return status.nodes.every((n) => n.running) ? EXIT.OK : EXIT.FAILED;
      }),
    );

  lab
    .command('down')
    .description('Stop a lab and remove everything it created (keeps the cached base root filesystem); safe to repeat')
    .option('--name <name>', 'lab name', DEFAULT_LAB_NAME)
    .option('--state-dir <dir>', 'state directory')
    .action(
      action(async (opts: CommonOpts) => {
        await labDown({ name: opts.name, stateDir: opts.stateDir, onEvent: cliEventSink() });
        process.stdout.write(`Lab "${opts.name}" is down.\n`);
      }),
    );
  return lab;
}

/** Table of nodes plus the exact ssh command that works with the lab's key and known_hosts. */
export function renderLabStatus(s: LabStatus): string {
  const flag = s.name === DEFAULT_LAB_NAME ? '' : ` --name ${s.name}`;
  if (s.nodes.length === 0) return `Lab "${s.name}" is down. Start it with: appliance lab up${flag}`;
  const first = s.nodes[0]!;
  const out = [
    `Lab "${s.name}": ${s.nodes.filter((n) => n.running).length}/${s.nodes.length} nodes running, bridge ${s.bridge}, subnet ${s.subnet}`,
    '',
    formatTable(
      ['node', 'address', 'running', 'docker', 'pid', 'host key'],
      s.nodes.map((n) => [n.name, n.address, n.running ? 'yes' : 'NO', n.docker ? 'yes' : 'no', n.pid, n.hostKeyFingerprint]),
    ),
    '',
    `key:         ${first.keyPath}`,
    `known_hosts: ${s.knownHostsPath}`,
    `ssh_config:  ${s.sshConfigPath}`,
    '',
    'Connect (users root, or engineer without sudo):',
    `  ssh -i ${first.keyPath} -o UserKnownHostsFile=${s.knownHostsPath} -o StrictHostKeyChecking=yes root@${first.address}`,
    `  ssh -F ${s.sshConfigPath} ${first.name}`,
  ];
  if (s.nodes.some((n) => !n.running)) out.push('', `Some nodes are not running: appliance lab down${flag} && appliance lab up${flag}`);
  return out.join('\n');
}
