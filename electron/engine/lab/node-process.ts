import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApplianceError } from '../errors.js';
import { cgroupEnv, type CgroupLayout } from './cgroups.js';
import type { NodeNames } from './naming.js';
import { childrenOf, isAlive, processStartTime, signal, waitFor } from './processes.js';
import { HOST_ENV } from './run.js';

const INIT_SCRIPT = fileURLToPath(new URL('./node-init.sh', import.meta.url));

export interface NodeProcess {
  /** Host PID of the node's PID 1 (node-init.sh, which becomes tini). */
  pid: number;
  startTime: number;
  unsharePid: number;
}

/**
 * Starts a node: `ip netns exec <ns> unshare --mount --uts --pid --fork --kill-child
 * --propagation private -- sh node-init.sh`, detached from the caller so the lab outlives
 * `appliance lab up`. Console output (sshd log, init errors) goes to the node's console.log.
 */
export async function startNode(
  node: NodeNames,
  opts: { baseDir: string; docker: boolean; cgroups: CgroupLayout },
): Promise<NodeProcess> {
  const log = openSync(node.consoleLog, 'a', 0o600);
  let child;
  try {
    child = spawn(
      'ip',
      ['netns', 'exec', node.netns, 'unshare', '--mount', '--uts', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--', 'sh', INIT_SCRIPT],
      {
        detached: true,
        stdio: ['ignore', log, log],
        // A clean environment: nothing of the caller's leaks into the node.
        env: {
          PATH: HOST_ENV.PATH,
          LAB_LOWER: opts.baseDir,
          LAB_UPPER: node.upperDir,
          LAB_WORK: node.workDir,
          LAB_ROOT: node.rootDir,
          LAB_HOSTNAME: node.name,
          LAB_DOCKER: opts.docker ? '1' : '0',
          ...cgroupEnv(opts.cgroups),
        },
      },
    );
  } finally {
    closeSync(log);
  }
  const unsharePid = child.pid;
  if (!unsharePid) throw new ApplianceError('FAILED', `Could not start ${node.name}: spawning ip netns exec failed.`);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  child.unref();

  let pid: number | undefined;
  await waitFor(() => {
    pid = childrenOf(unsharePid)[0];
    return pid !== undefined || exited !== null;
  }, 5000, 10);
  const startTime = pid ? processStartTime(pid) : null;
  if (!pid || startTime === null) {
    throw new ApplianceError('FAILED', `Node ${node.name} did not start (see ${node.consoleLog}).`, { exitCode: exited });
  }
  return { pid, startTime, unsharePid };
}

/**
 * Stops a node: SIGTERM to its PID 1 (tini forwards it; the services stop dockerd and sshd).
 * `unshare --fork` itself ignores SIGTERM, so it is never the target. After `timeoutMs`
 * SIGKILL to PID 1, which makes the kernel kill every process of the node's pid namespace.
 */
export async function stopNode(p: { pid?: number; startTime?: number; unsharePid?: number }, timeoutMs: number): Promise<void> {
  const { pid, startTime, unsharePid } = p;
  if (pid && isAlive(pid, startTime)) {
    signal(pid, 'SIGTERM');
    if (!(await waitFor(() => !isAlive(pid, startTime), timeoutMs, 50))) {
      signal(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid, startTime), 5000, 50);
    }
  }
  // unshare exits when its child does; make sure after a crash it cannot linger.
  if (unsharePid && isAlive(unsharePid) && childrenOf(unsharePid).length === 0) {
    await waitFor(() => !isAlive(unsharePid), 1000, 50);
  }
}
