import { redactText } from '../redact.js';
import { shellQuote } from '../targets/index.js';
import type { OnEvent } from '../events/index.js';
import type { ExecOptions, ExecResult, HostVars, StackSecrets, StepContext, Target, TargetCommand, UploadOptions, UploadResult } from './types.js';
import type { Site } from '../site/index.js';
import type { VerifiedBundle } from '../bundle/verified.js';
import type { StackDeclaration } from '../bundle/stack.js';

/** Writes stdin to a temp file beside $1, sets mode $2 and owner $3, then renames: never a half-written file. */
const WRITE_FILE = 'set -e; d=$(dirname "$1"); mkdir -p "$d"; t=$(mktemp "$1.XXXXXX"); trap \'rm -f "$t"\' EXIT; cat > "$t"; chmod "$2" "$t"; chown "$3" "$t"; mv -f "$t" "$1"; trap - EXIT';

/** Longest line a log event carries; longer lines are cut (a runaway command cannot flood the UI). */
const MAX_LOG_LINE = 2000;

export interface ContextInput {
  host: string;
  target: Target;
  site: Site;
  bundle: VerifiedBundle;
  stack: StackDeclaration;
  secrets: StackSecrets;
  vars: HostVars;
  dryRun: boolean;
  signal: AbortSignal;
  task: string;
  onEvent: OnEvent;
}

/** What a step's apply did (or, in a dry run, would do): redacted command lines. */
export interface Recorder {
  commands: string[];
}

/**
 * A StepContext over one host's Target. Changes go through `exec`/`upload`/`writeFile`, which in
 * a dry run record the command (redacted) instead of running it; probes use `probeExec`, which
 * always runs. Output lines become log events for the host's lane, redacted and length-capped.
 */
export function createStepContext(input: ContextInput, recorder: Recorder, stepSignal: AbortSignal = input.signal): StepContext {
  const { target, host, task, onEvent, dryRun } = input;
  const log = (line: string, stream: 'info' | 'warn' | 'stdout' | 'stderr' = 'info') => {
    const text = redactText(line.length > MAX_LOG_LINE ? line.slice(0, MAX_LOG_LINE) + ' [...]' : line);
    onEvent({ type: 'log', task, host, stream, line: text });
  };
  const describe = (cmd: TargetCommand, sudo?: boolean) => redactText(`${sudo ? 'sudo ' : ''}${Array.isArray(cmd) ? shellQuote(cmd) : `sh -s (${cmd.label ?? 'script'})${cmd.args?.length ? ' ' + shellQuote(cmd.args) : ''}`}`);
  const run = (cmd: TargetCommand, opts: ExecOptions = {}): Promise<ExecResult> =>
    target.exec(cmd, { ...opts, signal: stepSignal, onOutput: opts.onOutput ?? lineLogger(log) });
  const exec = async (cmd: TargetCommand, opts: ExecOptions = {}): Promise<ExecResult> => {
    recorder.commands.push(describe(cmd, opts.sudo));
    if (dryRun) return { exitCode: 0, stdout: '', stderr: '', durationMs: 0 };
    return run(cmd, opts);
  };
  return {
    host,
    target,
    site: input.site,
    bundle: input.bundle,
    stack: input.stack,
    secrets: input.secrets,
    vars: input.vars,
    dryRun,
    signal: stepSignal,
    exec,
    probeExec: (cmd, opts = {}) => target.exec(cmd, { ...opts, signal: stepSignal, onOutput: opts.onOutput ?? (() => {}) }),
    async upload(localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
      recorder.commands.push(redactText(`upload ${opts.label ?? localPath} -> ${remotePath}`));
      if (dryRun) return { remotePath, size: 0, sha256: opts.sha256 ?? '', resumedFrom: 0, sentBytes: 0, alreadyPresent: false, durationMs: 0, transferMs: 0 };
      return target.upload(localPath, remotePath, { ...opts, signal: stepSignal, onEvent, task });
    },
    async writeFile(remotePath, content, opts = {}) {
      const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
      const mode = opts.mode ?? '0644';
      const owner = opts.owner ?? 'root:root';
      recorder.commands.push(`write ${remotePath} (${mode} ${owner}, ${bytes.length} bytes${opts.secret ? ', secret' : ''})`);
      if (dryRun) return;
      await run(['sh', '-c', WRITE_FILE, 'write-file', remotePath, mode, owner], { sudo: true, stdin: bytes, onOutput: () => {} });
    },
    log,
    progress(done, total, unit, label) {
      onEvent({ type: 'progress', task, label: label ?? `${host}`, done, total, unit });
    },
  };
}

/** Splits streamed output into lines for log events. */
function lineLogger(log: (line: string, stream: 'stdout' | 'stderr') => void): (stream: 'stdout' | 'stderr', text: string) => void {
  const rest: Record<string, string> = { stdout: '', stderr: '' };
  return (stream, text) => {
    const lines = (rest[stream] + text).split('\n');
    rest[stream] = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) log(l, stream);
  };
}
