import { execa } from 'execa';
import { ApplianceError } from '../errors.js';
import { HOST_ENV } from './run.js';

export interface NodeRef {
  netns: string;
  pid?: number;
  name: string;
}

/**
 * argv that runs `argv` inside a node: every namespace of the node's PID 1 (network, mount, uts,
 * ipc, pid, cgroup) via nsenter, so "/" is the node's root and systemctl talks to its systemd.
 */
export function nodeExecArgv(node: NodeRef, argv: readonly string[]): string[] {
  if (!node.pid) throw new ApplianceError('CONFLICT', `Node ${node.name} is not running.`);
  return ['nsenter', '--target', String(node.pid), '--net', '--mount', '--uts', '--ipc', '--pid', '--cgroup', '--', ...argv];
}

export interface NodeExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a command inside a node (see nodeExecArgv). Never throws for a non-zero exit. */
export async function execInNode(
  node: NodeRef,
  argv: readonly string[],
  opts: { input?: string | Buffer; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<NodeExecResult> {
  const [cmd, ...args] = nodeExecArgv(node, argv);
  const r = await execa(cmd!, args, {
    reject: false,
    cleanup: false, // see run.ts: keeps Ctrl-C handling intact
    extendEnv: false,
    env: { PATH: HOST_ENV.PATH, HOME: '/root', LANG: 'C.UTF-8' },
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    timeout: opts.timeoutMs,
    cancelSignal: opts.signal,
    stripFinalNewline: false,
  });
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? (r.failed ? 1 : 0) };
}
