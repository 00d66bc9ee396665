import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApplianceError } from '../errors.js';
import { cgroupEnv, type CgroupLayout } from './cgroups.js';
import type { NodeNames } from './naming.js';
import { childrenOf, isAlive, processStartTime, signal, waitFor } from './processes.js';
import { HOST_ENV } from './run.js';

const LAUNCH_SCRIPT = fileURLToPath(new URL('./node-launch.sh', import.meta.url));
const INIT_SCRIPT = fileURLToPath(new URL('./node-init.sh', import.meta.url));
/**
 * SIGRTMIN+4 asks systemd for a clean poweroff. glibc's SIGRTMIN is 34 (the kernel's 32 plus
 * the two glibc keeps for threads), and systemd is a glibc program: 38. Node has no name for it.
 */
const SIGRTMIN_PLUS_4 = 38;

export interface NodeProcess {
  /** Host PID of the node's PID 1 (node-init.sh, which becomes systemd). */
  pid: number;
  startTime: number;
  unsharePid: number;
}

export interface StartNodeOptions {
  /** Overlay lowerdir: the base, or "<docker layer>:<base>". */
  lowerDir: string;
  cgroups: CgroupLayout;
  /** cgroup.procs of the node's own cgroup folders (see createNodeCgroups). */
  cgroupDirs: string[];
  bootIdFile: string;
  /** The /data image file, or null for a tmpfs of `dataBytes` (no loop devices on this host). */
  dataImage: string | null;
  dataBytes: number;
}

/**
 * Starts a node: node-launch.sh joins the node's cgroup folders and runs
 * `nsenter --net unshare --mount --uts --ipc --pid --cgroup --fork -- sh node-init.sh`,
 * detached from the caller so the lab outlives `appliance lab up`. Console output (init errors)
 * goes to the node's console.log; systemd logs to the node's journal.
 */
export async function startNode(node: NodeNames, opts: StartNodeOptions): Promise<NodeProcess> {
  const log = openSync(node.consoleLog, 'a', 0o600);
  let child;
  try {
    child = spawn('sh', [LAUNCH_SCRIPT], {
      detached: true,
      stdio: ['ignore', log, log],
      // A clean environment: nothing of the caller's leaks into the node.
      env: {
        PATH: HOST_ENV.PATH,
        LAB_NETNS: node.netns,
        LAB_INIT_SCRIPT: INIT_SCRIPT,
        LAB_CGROUP_PROCS: opts.cgroupDirs.map((d) => `${d}/cgroup.procs`).join(' '),
        LAB_LOWER: opts.lowerDir,
        LAB_UPPER: node.upperDir,
        LAB_WORK: node.workDir,
        LAB_ROOT: node.rootDir,
        LAB_HOSTNAME: node.name,
        LAB_BOOT_ID_FILE: opts.bootIdFile,
        ...(opts.dataImage ? { LAB_DATA_IMAGE: opts.dataImage } : { LAB_DATA_TMPFS_BYTES: String(opts.dataBytes) }),
        ...cgroupEnv(opts.cgroups),
      },
    });
  } finally {
    closeSync(log);
  }
  const unsharePid = child.pid;
  if (!unsharePid) throw new ApplianceError('FAILED', `Could not start ${node.name}: spawning the node launcher failed.`);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  child.unref();

  // sh execs nsenter, which execs unshare (entering only a netns needs no fork): the spawned
  // PID becomes unshare, and its one child is the node's PID 1.
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
 * Stops a node through systemd: SIGRTMIN+4 to its PID 1 (a clean poweroff: units stop in
 * order, dockerd stops its containers). `unshare --fork` ignores SIGTERM, so it is never the
 * target. After `timeoutMs` SIGKILL to PID 1, which makes the kernel kill every process of the
 * node's pid namespace.
 */
export async function stopNode(p: { pid?: number; startTime?: number; unsharePid?: number }, timeoutMs: number): Promise<void> {
  const { pid, startTime, unsharePid } = p;
  if (pid && isAlive(pid, startTime)) {
    try {
      process.kill(pid, SIGRTMIN_PLUS_4);
    } catch {
      // gone meanwhile
    }
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
