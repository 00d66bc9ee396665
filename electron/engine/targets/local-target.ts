import { execa } from 'execa';
import { childEnv } from '../child-env.js';
import { ApplianceError } from '../errors.js';
import { redactText } from '../redact.js';
import { auditEntry, commandFailed, outputCollector, prepareCommand, stdinStream } from './exec-support.js';
import { isSudoRefusal, sudoRefused } from './sudo.js';
import type { AuditSink, ExecOptions, ExecResult, Target, TargetCommand, UploadOptions, UploadResult } from './target.js';
import { downloadVia, uploadVia } from './transfer.js';

/**
 * This machine as a Target (single-server installs run on the appliance's own host, and tests).
 * Same semantics as SshTarget: argv arrays (no shell), scripts on stdin to `sh -s`, sudo -n
 * unless already root, the same upload/resume/verify path (a local `cat` into the part file).
 */
export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  readonly name: string;
  readonly description = 'local';
  private readonly audit: AuditSink | undefined;

  constructor(opts: { name?: string; audit?: AuditSink } = {}) {
    this.name = opts.name ?? 'local';
    this.audit = opts.audit;
  }

  async exec(cmd: TargetCommand, opts: ExecOptions = {}): Promise<ExecResult> {
    const root = process.getuid?.() === 0;
    const prepared = prepareCommand(cmd, opts, opts.sudo ? { mode: root ? 'root' : 'nopasswd' } : undefined);
    const [file, ...args] = prepared.argv as [string, ...string[]];
    const started = performance.now();
    const out = outputCollector('stdout', opts.onOutput, opts.stdout);
    const err = outputCollector('stderr', opts.onOutput);
    let result: ExecResult;
    try {
      const child = execa(file, args, {
        reject: false,
        extendEnv: false,
        env: childEnv(),
        stdin: prepared.stdinParts.length ? 'pipe' : 'ignore',
        buffer: false,
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      });
      child.stdout?.on('data', (c: Buffer) => {
        if (!out.push(c)) {
          child.stdout?.pause();
          opts.stdout!.once('drain', () => child.stdout?.resume());
        }
      });
      child.stderr?.on('data', (c: Buffer) => err.push(c));
      if (prepared.stdinParts.length && child.stdin) {
        child.stdin.on('error', () => undefined); // the command may stop reading early; its exit code tells
        stdinStream(prepared.stdinParts).pipe(child.stdin);
      }
      const r = await child;
      if (r.isCanceled) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
      if (r.timedOut) throw new ApplianceError('FAILED', `command did not finish within ${Math.round(opts.timeoutMs! / 1000)} s and was stopped: ${redactText(prepared.argv.join(' ')).slice(0, 120)}`, { host: this.name });
      if (r.failed && r.exitCode === undefined) throw new ApplianceError('FAILED', redactText(`cannot run ${file}: ${r.shortMessage ?? r.message}`), { host: this.name });
      result = { exitCode: r.exitCode ?? 128, stdout: out.text(), stderr: err.text(), durationMs: performance.now() - started };
    } catch (e) {
      this.audit?.(auditEntry(this.name, prepared, !!opts.sudo, null, performance.now() - started, e instanceof Error ? e.message : String(e)));
      throw e;
    }
    this.audit?.(auditEntry(this.name, prepared, !!opts.sudo, result.exitCode, result.durationMs));
    if (result.exitCode !== 0 && opts.sudo && !root && isSudoRefusal(result.stderr)) throw sudoRefused(process.env.USER ?? 'this user', this.name, result.stderr);
    if (result.exitCode !== 0 && !opts.allowFailure) throw commandFailed(this.name, prepared.auditArgv, result.exitCode, result.stderr, result.stdout);
    return result;
  }

  upload(localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
    return uploadVia(this, localPath, remotePath, opts);
  }

  download(remotePath: string, localPath: string, opts: { signal?: AbortSignal; sudo?: boolean } = {}): Promise<{ size: number }> {
    return downloadVia(this, remotePath, localPath, opts);
  }

  async close(): Promise<void> {}
}
