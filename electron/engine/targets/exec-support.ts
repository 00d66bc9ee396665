import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Writable } from 'node:stream';
import { ApplianceError } from '../errors.js';
import { redactText } from '../redact.js';
import { sudoPrefix, type SudoMode } from './sudo.js';
import type { AuditEntry, ExecOptions, TargetCommand } from './target.js';

/** Most output kept in memory per stream; probes print kilobytes, a runaway command must not eat the heap. */
export const MAX_CAPTURE = 32 * 1024 * 1024;

export interface PreparedCommand {
  argv: string[];
  stdinParts: (string | Buffer | Readable)[];
  script?: { label?: string; sha256: string };
  auditArgv: string[];
}

/** Turns a command + options into the argv to run and the data for stdin (sudo password first). */
export function prepareCommand(cmd: TargetCommand, opts: ExecOptions, sudo: { mode: SudoMode; password?: string } | undefined, remoteTimeout = false): PreparedCommand {
  const isScript = !Array.isArray(cmd);
  if (isScript && opts.stdin !== undefined) throw new ApplianceError('INTERNAL', 'exec: a script command uses stdin for the script; pass data as args or a file instead.');
  const base = isScript ? ['sh', '-s', '--', ...(cmd.args ?? [])] : cmd;
  if (base.length === 0) throw new ApplianceError('INTERNAL', 'exec: empty command');
  // OpenSSH ignores the SSH "signal" request, so a remote time limit is enforced on the target
  // by coreutils timeout (exit 124), with KILL 5 s after TERM.
  const limited = remoteTimeout && opts.timeoutMs ? ['timeout', '-k', '5', `${Math.max(1, Math.ceil(opts.timeoutMs / 1000))}`, ...base] : base;
  const argv = sudo ? [...sudoPrefix(sudo.mode), ...limited] : [...limited];
  const stdinParts: (string | Buffer | Readable)[] = [];
  if (sudo?.mode === 'password') stdinParts.push(`${sudo.password ?? ''}\n`);
  if (isScript) stdinParts.push(cmd.script);
  if (opts.stdin !== undefined) stdinParts.push(opts.stdin);
  return {
    argv,
    stdinParts,
    auditArgv: base.map(redactText),
    ...(isScript ? { script: { ...(cmd.label ? { label: cmd.label } : {}), sha256: createHash('sha256').update(cmd.script).digest('hex') } } : {}),
  };
}

/** One readable stream of all stdin parts in order, with backpressure. */
export function stdinStream(parts: (string | Buffer | Readable)[]): Readable {
  // The common upload case: one stream, piped as it is (no extra copy through a generator).
  if (parts.length === 1 && parts[0] instanceof Readable) return parts[0];
  async function* gen() {
    for (const p of parts) {
      if (typeof p === 'string' || Buffer.isBuffer(p)) yield Buffer.isBuffer(p) ? p : Buffer.from(p);
      else for await (const chunk of p) yield chunk as Buffer;
    }
  }
  return Readable.from(gen(), { objectMode: false, highWaterMark: 1 << 20 });
}

/** Collects one output stream: capped text, optional live callback, or a raw sink. */
export function outputCollector(stream: 'stdout' | 'stderr', onOutput: ExecOptions['onOutput'], sink?: Writable) {
  const chunks: Buffer[] = [];
  let size = 0;
  const decoder = new StringDecoder('utf8');
  return {
    push(chunk: Buffer) {
      if (sink) return sink.write(chunk);
      if (size < MAX_CAPTURE) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (onOutput) {
        const text = decoder.write(chunk);
        if (text) onOutput(stream, text);
      }
      return true;
    },
    text(): string {
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** The exec error for a non-zero exit: names the host, the command and the last stderr line. */
export function commandFailed(host: string, argv: string[], exitCode: number, stderr: string, stdout: string): ApplianceError {
  const last = (stderr.trim() || stdout.trim()).split('\n').slice(-1)[0] ?? '';
  const shown = redactText(argv.join(' ')).slice(0, 200);
  return new ApplianceError('FAILED', redactText(`command failed on ${host} (exit ${exitCode}): ${shown}${last ? `: ${last}` : ''}`), {
    host,
    exitCode,
    stderr: redactText(stderr.slice(-4000)),
  });
}

export function auditEntry(host: string, prepared: PreparedCommand, sudo: boolean, exitCode: number | null, durationMs: number, error?: string): AuditEntry {
  return {
    time: new Date().toISOString(),
    host,
    argv: prepared.auditArgv,
    ...(prepared.script ? { script: prepared.script } : {}),
    sudo,
    exitCode,
    durationMs: Math.round(durationMs),
    ...(error ? { error: redactText(error) } : {}),
  };
}

/** A counting semaphore: sshd allows 10 sessions per connection (MaxSessions), so we stay below. */
export function semaphore(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<() => void> {
      if (active >= max) await new Promise<void>((r) => waiting.push(r));
      active++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        active--;
        waiting.shift()?.();
      };
    },
  };
}
