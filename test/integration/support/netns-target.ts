import { copyFile } from 'node:fs/promises';
import { execa } from 'execa';
import { ApplianceError } from '../../../electron/engine/errors.js';
import type { ExecOptions, ExecResult, Target, TargetCommand, UploadResult } from '../../../electron/engine/targets/index.js';

/**
 * Runs commands inside a network namespace: the Target interface over `ip netns exec`, so the
 * engine's network verify can send real packets from namespaces (test segments, or lab nodes
 * behind a router whose rules would block the host's SSH) without SSH.
 */
export class NetnsTarget implements Target {
  readonly kind = 'local' as const;
  readonly description: string;
  constructor(readonly name: string, private readonly netns: string) {
    this.description = `netns ${netns}`;
  }
  async exec(cmd: TargetCommand, opts: ExecOptions = {}): Promise<ExecResult> {
    const argv = Array.isArray(cmd) ? cmd : ['sh', '-s', '--', ...(cmd.args ?? [])];
    const input = Array.isArray(cmd) ? (typeof opts.stdin === 'string' ? opts.stdin : undefined) : cmd.script;
    const started = Date.now();
    const r = await execa('ip', ['netns', 'exec', this.netns, ...argv], { reject: false, input, timeout: opts.timeoutMs, cancelSignal: opts.signal });
    const res = { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), durationMs: Date.now() - started };
    if (res.exitCode !== 0 && !opts.allowFailure) throw new ApplianceError('FAILED', `${argv[0]} failed on ${this.name}: ${res.stderr.trim()}`);
    return res;
  }
  async upload(localPath: string, remotePath: string): Promise<UploadResult> {
    await copyFile(localPath, remotePath);
    return { remotePath, size: 0, sha256: '', resumedFrom: 0, sentBytes: 0, alreadyPresent: false, durationMs: 0, transferMs: 0 };
  }
  async download(remotePath: string, localPath: string): Promise<{ size: number }> {
    await copyFile(remotePath, localPath);
    return { size: 0 };
  }
  async close(): Promise<void> {}
}
