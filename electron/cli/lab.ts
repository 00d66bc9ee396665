import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { ApplianceError } from '../engine/errors.js';
import {
  DEFAULT_LAB_NAME,
  labDown,
  labSshArgv,
  labStatus,
  labRouterRules,
  labUp,
  MAX_NODES,
  parseNodeOverrides,
  parseSize,
  validateProfile,
  type LabStatus,
  type NodeProfile,
} from '../engine/lab/index.js';
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
    .description('Practice lab: fake servers (namespaces, real systemd, sshd; optional Docker) on this machine, for rehearsals and tests');
  const collect = (v: string, prev: string[] = []) => [...prev, v];

  lab
    .command('up')
    .description('Start a lab (builds the base root filesystem once, ~1 min; then a few seconds)')
    .option('--nodes <n>', `number of nodes, 1-${MAX_NODES}`, '3')
    .option('--profile <profile>', 'node profile: bare (systemd, sshd, sudo; no container engine) or docker (bare + Docker Engine + Compose v2)', 'bare')
    .option('--node-profile <node=profile>', 'profile of one node, e.g. node1=docker (repeatable)', collect, [])
    .option('--docker', 'same as --profile docker')
    .option('--data-size <size>', 'size of every node\'s /data filesystem, e.g. 2G (default 4G, docker nodes 16G)')
    .option('--node-data-size <node=size>', 'size of one node\'s /data, e.g. node2=512M (repeatable)', collect, [])
    .option('--segments', 'four segments (dmz, app, data, mgmt) joined by a router node instead of one bridge; the host stands for the hospital network')
    .option('--node-segment <node=segment>', 'segment of one node, e.g. node1=dmz (repeatable; implies --segments)', collect, [])
    .option('--name <name>', 'lab name (several labs can coexist)', DEFAULT_LAB_NAME)
    .option('--state-dir <dir>', 'state directory (default $APPLIANCE_LAB_DIR or /var/lib/airgap-appliance/lab)')
    .option('--json', 'print the lab status as JSON')
    .action(
      action(async (opts: CommonOpts & { nodes: string; docker?: boolean; profile: string; nodeProfile: string[]; dataSize?: string; nodeDataSize: string[]; segments?: boolean; nodeSegment: string[] }) => {
        if (!/^\d+$/.test(opts.nodes)) throw new ApplianceError('VALIDATION', `--nodes must be a whole number (got "${opts.nodes}").`);
        const nodeProfiles: Record<string, NodeProfile> = {};
        for (const [n, p] of Object.entries(parseNodeOverrides(opts.nodeProfile, '--node-profile'))) nodeProfiles[n] = validateProfile(p);
        const nodeDataSizes = parseNodeOverrides(opts.nodeDataSize, '--node-data-size');
        const nodeSegments = parseNodeOverrides(opts.nodeSegment, '--node-segment');
        // Checked here so a typo fails before anything is built.
        for (const size of [...Object.values(nodeDataSizes), ...(opts.dataSize ? [opts.dataSize] : [])]) parseSize(size);
        // Ctrl-C cancels cleanly: labUp removes whatever it had created.
        const ac = new AbortController();
        const cancel = () => ac.abort();
        process.once('SIGINT', cancel);
        process.once('SIGTERM', cancel);
        try {
          const status = await labUp({
            name: opts.name,
            nodes: Number(opts.nodes),
            profile: opts.docker ? 'docker' : validateProfile(opts.profile),
            nodeProfiles,
            dataSize: opts.dataSize,
            nodeDataSizes,
            segmented: opts.segments,
            nodeSegments,
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
    .command('ssh')
    .description('Open a shell on a node (real ssh with the lab key and known_hosts), or run a command: lab ssh node1 -- systemctl status')
    .argument('<node>', 'node name, e.g. node1')
    .argument('[command...]', 'command to run instead of a shell (after --)')
    .option('--user <user>', 'root or engineer', 'root')
    .option('--name <name>', 'lab name', DEFAULT_LAB_NAME)
    .option('--state-dir <dir>', 'state directory')
    .action(
      action(async (nodeName: string, command: string[], opts: CommonOpts & { user: string }) => {
        if (!/^[a-z][a-z0-9_-]{0,31}$/.test(opts.user)) throw new ApplianceError('VALIDATION', `Invalid user name "${opts.user}".`);
        const status = await labStatus({ name: opts.name, stateDir: opts.stateDir });
        const node = status.nodes.find((n) => n.name === nodeName || n.netns === nodeName);
        if (!node) {
          const have = status.nodes.map((n) => n.name).join(', ');
          throw new ApplianceError('NOT_FOUND', have ? `Lab "${opts.name}" has no node "${nodeName}" (it has ${have}).` : `Lab "${opts.name}" is down.`);
        }
        const [cmd, ...args] = labSshArgv(node, { user: opts.user, command, tty: command.length === 0 && process.stdin.isTTY });
        const code = await new Promise<number>((resolve, reject) => {
          const child = spawn(cmd!, args, { stdio: 'inherit' });
          child.on('error', reject);
          child.on('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
        });
        return code;
      }),
    );

  const router = lab.command('router').description("A segmented lab's router: load the site's rendered nftables rules into it");
  router
    .command('load-rules')
    .description('Load an nftables file (e.g. the rendered router.nft) into the router, replacing the tables it defines')
    .argument('<file>', 'nftables ruleset file')
    .option('--name <name>', 'lab name', DEFAULT_LAB_NAME)
    .option('--state-dir <dir>', 'state directory')
    .action(
      action(async (file: string, opts: CommonOpts) => {
        await labRouterRules({ name: opts.name, stateDir: opts.stateDir, file });
        process.stdout.write(`Loaded ${file} into the router of lab "${opts.name}".\n`);
      }),
    );
  router
    .command('flush')
    .description('Remove every rule from the router: all segments talk freely again')
    .option('--name <name>', 'lab name', DEFAULT_LAB_NAME)
    .option('--state-dir <dir>', 'state directory')
    .action(
      action(async (opts: CommonOpts) => {
        await labRouterRules({ name: opts.name, stateDir: opts.stateDir, flush: true });
        process.stdout.write(`The router of lab "${opts.name}" has no rules now.\n`);
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
    `Lab "${s.name}": ${s.nodes.filter((n) => n.running).length}/${s.nodes.length} nodes running, bridge ${s.bridge}, subnet ${s.subnet}${s.segments ? ' (hospital side)' : ''}`,
    ...(s.segments ? [`Segments behind router ${s.routerNetns}: ${Object.entries(s.segments).map(([k, v]) => `${k} ${v.cidr}`).join(', ')}`] : []),
    '',
    formatTable(
      ['node', 'address', 'segment', 'running', 'profile', 'system', 'failed units', '/data', 'pid', 'host key'],
      s.nodes.map((n) => [
        n.name,
        n.address,
        n.segment,
        n.running ? 'yes' : 'NO',
        n.profile,
        n.systemState,
        n.failedUnits.join(' ') || '-',
        n.dataBytes ? `${(n.dataBytes / 2 ** 30).toFixed(n.dataBytes % 2 ** 30 ? 2 : 0)}G` : '-',
        n.pid,
        n.hostKeyFingerprint,
      ]),
    ),
    '',
    `key:         ${first.keyPath}`,
    `known_hosts: ${s.knownHostsPath}`,
    `ssh_config:  ${s.sshConfigPath}`,
    '',
    'Connect (users root, or engineer: sudo with its password, shown by `lab status --json` to root):',
    `  ssh -i ${first.keyPath} -o UserKnownHostsFile=${s.knownHostsPath} -o StrictHostKeyChecking=yes root@${first.address}`,
    `  ssh -F ${s.sshConfigPath} ${first.name}`,
    `  appliance lab ssh ${first.name}${flag} [--user engineer] [-- command]`,
  ];
  if (s.nodes.some((n) => !n.running)) out.push('', `Some nodes are not running: appliance lab down${flag} && appliance lab up${flag}`);
  return out.join('\n');
}
