import { existsSync } from 'node:fs';
import { ApplianceError } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { labCgroupDirs, removeLabCgroups } from './cgroups.js';
import { mountsUnder, removeTree } from './mounts.js';
import type { LabNames } from './naming.js';
import { labLinks, labNetns, removeForwardRules, removeLabNetwork } from './network.js';
import { stopNode } from './node-process.js';
import { isAlive, pidsInNetns, signal, waitFor } from './processes.js';
import type { LabState } from './state.js';
import { tryRun } from './run.js';

/** Stop timeouts: systemd powers a node off in about 2.5 s; Docker gives containers 10 s each. */
const STOP_MS = { bare: 15_000, docker: 30_000 } as const;

/** Loop devices whose backing file is below `dir` (`losetup --list`). */
async function loopsUnder(dir: string): Promise<string[]> {
  const r = await tryRun('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([dev, file]) => dev && file && (file === dir || file.startsWith(dir + '/')))
    .map(([dev]) => dev!);
}

async function detachLoops(dir: string): Promise<void> {
  for (const dev of await loopsUnder(dir)) await tryRun('losetup', ['--detach', dev]);
}

/**
 * Undoes everything `lab up` may have created for one lab, from the state file when there is
 * one AND by scanning for what its naming patterns say is the lab's (netns, veths, bridge,
 * mounts, processes, cgroups, tagged iptables rules), so it also cleans up after a crash.
 * Idempotent: with nothing left it returns quickly. Throws FAILED if something could not go.
 */
export async function teardownLab(lab: LabNames, state: LabState | null, opts: { onEvent: OnEvent; task: string }): Promise<void> {
  const { onEvent, task } = opts;
  const info = (line: string) => onEvent({ type: 'log', task, stream: 'info', line });

  // 1. Nodes: a clean poweroff through systemd (dockerd stops its containers), in parallel.
  const known = (state?.nodes ?? []).filter((n) => n.pid && isAlive(n.pid, n.startTime));
  if (known.length > 0) {
    info(`Stopping ${known.length} node(s) of lab "${lab.name}" through systemd...`);
    await Promise.all(known.map((n) => stopNode(n, STOP_MS[n.profile])));
  }

  // 2. Anything else still living in the lab's namespaces (crash leftovers, stray nsenter shells).
  const namespaces = [...new Set([...(state?.nodes ?? []).map((n) => n.netns), ...(await labNetns(lab))])];
  const strays = () => namespaces.flatMap((ns) => pidsInNetns(ns)).filter((p) => p !== process.pid);
  if (strays().length > 0) {
    info(`Killing ${strays().length} leftover process(es) in the lab's namespaces...`);
    for (let i = 0; i < 3 && strays().length > 0; i++) {
      for (const p of strays()) signal(p, 'SIGKILL');
      await waitFor(() => strays().every((p) => !isAlive(p)), 3000, 50);
    }
  }
  const survivors = strays();

  // 3. Firewall rules, network, mounts, cgroups, files.
  await removeForwardRules(lab);
  await removeLabNetwork(lab, namespaces);
  const leftoverCgroups = await removeLabCgroups(lab.name, (state?.nodes ?? []).flatMap((n) => n.cgroupDirs));
  // A data image's loop device detaches with its last mount; only a crash mid-mount leaves one.
  await detachLoops(lab.labDir);
  if (existsSync(lab.labDir)) await removeTree(lab.labDir);

  // 4. Verify: say exactly what is left rather than claim success.
  const left: string[] = [];
  for (const ns of await labNetns(lab)) left.push(`netns ${ns}`);
  for (const l of await labLinks(lab)) left.push(`link ${l}`);
  for (const m of mountsUnder(lab.labDir)) left.push(`mount ${m}`);
  for (const l of await loopsUnder(lab.labDir)) left.push(`loop device ${l}`);
  for (const c of [...leftoverCgroups, ...labCgroupDirs(lab.name).filter((c) => !leftoverCgroups.includes(c))]) left.push(`cgroup ${c}`);
  for (const p of survivors) if (isAlive(p)) left.push(`process ${p}`);
  const rules = await tryRun('iptables', ['-w', '-S', 'FORWARD']);
  if (rules.stdout.includes(lab.iptablesComment)) left.push(`iptables rule ${lab.iptablesComment}`);
  if (left.length > 0) {
    throw new ApplianceError('FAILED', `Lab "${lab.name}" could not be removed completely: ${left.join(', ')}. Run \`appliance lab down\` again.`, { left });
  }
}
