import type { StackDeclaration } from '../../electron/engine/bundle/stack.js';
import type { VerifiedBundle } from '../../electron/engine/bundle/verified.js';
import { ApplianceError } from '../../electron/engine/errors.js';
import type { HostVars, StackSecrets, StepContext } from '../../electron/engine/install/types.js';
import type { Site } from '../../electron/engine/site/index.js';
import type { Target } from '../../electron/engine/targets/index.js';

/** Writes stdin to a temp file beside $1, sets mode $2 and owner $3, renames it over $1 (argv only, fixed script). */
const WRITE_FILE = 'set -e; t=$(mktemp "$1.XXXXXX"); trap \'rm -f "$t"\' EXIT; cat > "$t"; chmod "$2" "$t"; chown "$3" "$t"; mv -f "$t" "$1"; trap - EXIT';

export interface TestStepContext extends StepContext {
  /** Every log line, with its stream. */
  lines: { line: string; stream: string }[];
  /** Commands exec/writeFile ran (or would run in a dry run). */
  commands: string[];
}

/**
 * A StepContext over a real Target for tests of single steps (the runner's context.ts does the
 * same with events and the journal): exec/probeExec go to the target, writeFile is an atomic
 * root write through `sh -c <fixed script> path mode owner` with the content on stdin. The
 * bundle and secrets are absent (throw when touched); `stack` is what the test passes.
 */
export function testStepContext(opts: { target: Target; site: Site; vars: HostVars; stack?: Partial<StackDeclaration>; dryRun?: boolean; signal?: AbortSignal }): TestStepContext {
  const { target } = opts;
  const lines: TestStepContext['lines'] = [];
  const commands: string[] = [];
  const dryRun = opts.dryRun ?? false;
  const signal = opts.signal ?? new AbortController().signal;
  const absent = (what: string) =>
    new Proxy({}, { get: () => { throw new ApplianceError('INTERNAL', `testStepContext has no ${what}`); } });
  return {
    host: target.name,
    target,
    site: opts.site,
    bundle: absent('bundle') as VerifiedBundle,
    stack: (opts.stack ?? absent('stack')) as StackDeclaration,
    secrets: absent('secrets') as StackSecrets,
    vars: opts.vars,
    dryRun,
    signal,
    lines,
    commands,
    async exec(cmd, o = {}) {
      commands.push(Array.isArray(cmd) ? cmd.join(' ') : `sh -s (${cmd.label ?? 'script'}) ${(cmd.args ?? []).join(' ')}`);
      if (dryRun) return { exitCode: 0, stdout: '', stderr: '', durationMs: 0 };
      return target.exec(cmd, { ...o, signal });
    },
    probeExec: (cmd, o = {}) => target.exec(cmd, { ...o, signal }),
    async upload(localPath, remotePath, o = {}) {
      commands.push(`upload ${localPath} -> ${remotePath}`);
      return target.upload(localPath, remotePath, { ...o, signal });
    },
    async writeFile(remotePath, content, o = {}) {
      const mode = o.mode ?? '0644';
      const owner = o.owner ?? 'root:root';
      commands.push(`write ${remotePath} (${mode} ${owner})`);
      if (dryRun) return;
      await target.exec(['sh', '-c', WRITE_FILE, 'write-file', remotePath, mode, owner], { sudo: true, stdin: Buffer.isBuffer(content) ? content : Buffer.from(content), signal });
    },
    log: (line, stream = 'info') => void lines.push({ line, stream }),
    progress: () => undefined,
  };
}
