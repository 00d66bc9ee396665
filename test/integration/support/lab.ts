/**
 * Helpers for integration tests that use the practice lab. The lab "it" (3 nodes, dockerd in
 * each) is brought up once by global-setup.ts; a test file uses it like this:
 *
 *   describeWithLab('upload', () => {
 *     it('copies a file', async () => {
 *       const lab = await testLab();
 *       const node = lab.nodes[0]!;
 *       await execa('ssh', [...sshArgs(node), 'true']);
 *     });
 *   });
 *
 * The lab "it" (APPLIANCE_IT_LAB overrides the name): node1 has the docker profile, node2 and
 * node3 are bare (systemd, sshd, sudo; no container engine).
 * Node accounts: root and `engineer` both accept the lab key (node.keyPath). `engineer` is in
 * the sudo group with a password (node.sudoPassword, a lab secret) and has NO passwordless sudo;
 * a test that needs that sets it up itself, e.g. with nodeExec(node, ['sh', '-c', 'echo "engineer ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/engineer']).
 * Tests share the lab and run one file at a time: undo what you change on a node.
 */
import { describe, inject } from 'vitest';
import { execInNode, labStatus, type LabNode, type LabStatus } from '../../../electron/engine/lab/index.js';
import type { LabAvailability } from './global-setup.js';

export type { LabNode, LabStatus };

export { testLabName } from '../../support/lab-name.js';

/** Whether the shared lab is up for this run, and if not, why (not root, tools missing, ...). */
export function labAvailable(): { ok: boolean; reason?: string } {
  let a: LabAvailability | undefined;
  try {
    a = inject('lab');
  } catch {
    a = undefined;
  }
  if (!a) return { ok: false, reason: 'the integration global setup did not run (use `vitest --project integration`)' };
  return a.ok ? { ok: true } : { ok: false, reason: a.reason };
}

/**
 * `describe` when the lab is available, otherwise `describe.skip` with the reason in the title.
 * (With LAB_REQUIRED=1 an unavailable lab already failed the run in the global setup.)
 */
export function describeWithLab(name: string, fn: () => void): void {
  const a = labAvailable();
  if (a.ok) describe(name, fn);
  else describe.skip(`${name} [skipped: ${a.reason}]`, fn);
}

/**
 * The shared lab's current status (3 nodes, docker). Throws with the reason when the lab is
 * unavailable, and when a node stays not running for 20 s (a test that restarts sshd gets that
 * long; after that an earlier test left the lab broken: fail loudly rather than test a half lab).
 */
export async function testLab(): Promise<LabStatus> {
  const a = inject('lab');
  if (!a?.ok) throw new Error(`The practice lab is unavailable: ${a?.reason ?? 'global setup did not run'}`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await labStatus({ name: a.name, stateDir: a.stateDir });
    if (status.nodes.length === 0) throw new Error(`Lab "${a.name}" is down.`);
    const down = status.nodes.filter((n) => !n.running).map((n) => n.name);
    if (down.length === 0) return status;
    if (Date.now() > deadline) throw new Error(`Lab "${a.name}": node(s) ${down.join(', ')} not running (a test left it broken?).`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * argv for the real OpenSSH client (`execa('ssh', [...sshArgs(node), 'cmd'])`): the lab key,
 * the lab's known_hosts with strict host key checking, batch mode, no user ssh config.
 * `user` defaults to node.user (root); pass 'engineer' for the non-root account.
 */
export function sshArgs(node: LabNode, user: string = node.user): string[] {
  return [
    '-F', '/dev/null',
    '-i', node.keyPath,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${node.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-p', String(node.sshPort),
    `${user}@${node.address}`,
  ];
}

export interface NodeExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs argv inside a node without SSH: `ip netns exec <netns> nsenter --target <node PID 1>
 * --mount --uts --pid -- argv`, as root, in the node's own root filesystem. For tests that
 * mutate a node behind the back of the code under test (kill sshd, swap the host key, mount a
 * tmpfs, fill a disk). Throws on a non-zero exit unless `reject: false`. Needs root.
 */
export async function nodeExec(
  node: LabNode,
  argv: string[],
  opts: { input?: string | Buffer; reject?: boolean; timeoutMs?: number } = {},
): Promise<NodeExecResult> {
  const r = await execInNode(node, argv, { input: opts.input, timeoutMs: opts.timeoutMs ?? 60_000 });
  if (r.exitCode !== 0 && opts.reject !== false) {
    throw new Error(`nodeExec ${node.name}: \`${argv.join(' ')}\` exited ${r.exitCode}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}
