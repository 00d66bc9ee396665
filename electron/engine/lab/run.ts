import { execa, type Options } from 'execa';
import { childEnv } from '../child-env.js';
import { ApplianceError } from '../errors.js';

// Host tools live in sbin on Debian; a sudo or cron environment may not have it on PATH.
const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const HOST_ENV = { PATH: process.env.PATH ? `${process.env.PATH}:${SBIN_PATH}` : SBIN_PATH, LC_ALL: 'C' };

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a host command (argv, no shell) and returns its output; throws FAILED with stderr on a non-zero exit. */
export async function run(cmd: string, args: readonly string[], opts: Options = {}): Promise<RunResult> {
  const r = await tryRun(cmd, args, opts);
  if (r.exitCode !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ');
    throw new ApplianceError('FAILED', `\`${[cmd, ...args].join(' ')}\` failed (exit ${r.exitCode}): ${why}`, {
      cmd,
      args: [...args],
      exitCode: r.exitCode,
    });
  }
  return r;
}

/** Like run() but never throws for a non-zero exit (a missing binary counts as exit 127). */
export async function tryRun(cmd: string, args: readonly string[], opts: Options = {}): Promise<RunResult> {
  // cleanup:false: execa's exit hook (signal-exit) re-raises SIGINT whenever the number of
  // running subprocesses equals the number of SIGINT listeners, killing the CLI before its
  // Ctrl-C handler can tear down what `lab up` created. Our commands are short-lived anyway.
  const r = await execa(cmd, args, { reject: false, stdin: 'ignore', cleanup: false, ...opts, extendEnv: false, env: childEnv({ ...HOST_ENV, ...(opts.env ?? {}) }) });
  const exitCode = typeof r.exitCode === 'number' ? r.exitCode : r.failed ? 127 : 0;
  if (opts.cancelSignal?.aborted) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode };
}

/**
 * Runs a long host command, handing each output line (stdout and stderr) to `onLine`. The
 * command gets its own process group, so cancelling stops it and everything it started
 * (debootstrap and apt-get fork a lot). Throws FAILED on a non-zero exit, CANCELLED on abort.
 */
export async function runStreaming(
  cmd: string,
  args: readonly string[],
  opts: { onLine: (line: string, stream: 'stdout' | 'stderr') => void; env?: Record<string, string>; signal?: AbortSignal },
): Promise<void> {
  const tail: string[] = [];
  const sub = execa(cmd, args, {
    reject: false,
    stdin: 'ignore',
    detached: true,
    cleanup: false,
    extendEnv: false,
    env: childEnv({ ...HOST_ENV, ...(opts.env ?? {}) }),
    stdout: ['pipe'],
    stderr: ['pipe'],
    buffer: false,
  });
  const onAbort = () => {
    if (sub.pid) {
      try {
        process.kill(-sub.pid, 'SIGTERM');
        setTimeout(() => {
          try {
            process.kill(-sub.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 3000).unref();
      } catch {
        // already gone
      }
    }
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const pump = async (stream: 'stdout' | 'stderr') => {
    for await (const line of sub.iterable({ from: stream })) {
      const s = String(line);
      tail.push(s);
      if (tail.length > 20) tail.shift();
      opts.onLine(s, stream);
    }
  };
  try {
    await Promise.all([pump('stdout'), pump('stderr')]);
    const r = await sub;
    if (opts.signal?.aborted) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
    if (r.exitCode !== 0) {
      throw new ApplianceError('FAILED', `\`${[cmd, ...args].join(' ')}\` failed (exit ${r.exitCode ?? r.signal}): ${tail.slice(-5).join(' | ')}`);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
