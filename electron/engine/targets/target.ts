import type { Readable, Writable } from 'node:stream';
import type { OnEvent } from '../events/index.js';
import type { SharedRead } from './file-source.js';

/**
 * A command for a target: an argv array (quoted for the remote POSIX shell by shellQuote, never
 * interpolated), or a script sent on stdin to `sh -s -- args...` (probes, multi-line logic).
 */
export type TargetCommand = string[] | { script: string; args?: string[]; /** Short name for the audit log, e.g. "probe-hardware". */ label?: string };

export interface ExecOptions {
  /** Run as root: `sudo -n` when passwordless, else `sudo -S -p ''` with the password on stdin. No-op for root. */
  sudo?: boolean;
  /** Kill the command after this long (FAILED with a message naming the timeout). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Data for the command's stdin; never written to the audit log. */
  stdin?: string | Buffer | Readable;
  /** Called with each chunk of output as it arrives (already decoded as UTF-8). */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Return the result on a non-zero exit instead of throwing FAILED. */
  allowFailure?: boolean;
  /** Stream stdout raw into this (e.g. a file for downloads) instead of collecting it; result.stdout is then "". */
  stdout?: Writable;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface UploadOptions {
  /** Continue from `.<name>.part` left by an earlier interrupted upload (default true). */
  resume?: boolean;
  /** Expected `sha256` hex digest (or `sha256:<hex>`); computed locally while streaming when absent. */
  sha256?: string;
  /** Byte progress as ApplianceEvents (via createProgressMeter), tagged with `task`. */
  onEvent?: OnEvent;
  task?: string;
  /** Label of the progress events; default "upload <file> to <target>". */
  label?: string;
  /** Raw progress callback: bytes of the file present on the target so far, and the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Write as root (the parent folder may be root-owned). */
  sudo?: boolean;
  /** chmod of the final file, e.g. "0755" for binaries. */
  mode?: string;
  /**
   * When the target computes sha256: 'after' writing (default: reads the file back from disk),
   * or 'while-writing' (tee into sha256sum: no second pass; faster on targets with idle cores).
   */
  remoteHash?: 'after' | 'while-writing';
  /** Fan-out (uploadToHosts): uploads of the same file to several targets read it once. */
  sharedRead?: SharedRead;
}

export interface UploadResult {
  remotePath: string;
  size: number;
  sha256: string;
  /** Bytes of the file that were already on the target (resumed from). */
  resumedFrom: number;
  /** Bytes actually sent in this call. */
  sentBytes: number;
  /** The final file was already there with the right digest: nothing was sent. */
  alreadyPresent: boolean;
  durationMs: number;
  /** Of durationMs, the time spent streaming bytes (the rest: inspecting, verifying, renaming). */
  transferMs: number;
}

/** A machine commands run on: a site host over SSH, or this machine. */
export interface Target {
  /** Host name from site.yaml ("local" for LocalTarget). */
  readonly name: string;
  readonly kind: 'ssh' | 'local';
  /** "user@address:port" for messages; "local" for LocalTarget. */
  readonly description: string;
  /**
   * Runs a command. Throws ApplianceError FAILED on a non-zero exit unless allowFailure,
   * UNREACHABLE when the connection is lost, PERMISSION when sudo is refused, CANCELLED on abort.
   */
  exec(cmd: TargetCommand, opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Copies a local file to `remotePath` via `.<name>.part` beside it: resumes from the size of
   * the part file, verifies sha256 on the target, renames only when it matches (else INTEGRITY).
   */
  upload(localPath: string, remotePath: string, opts?: UploadOptions): Promise<UploadResult>;
  /** Copies a file from the target to a local path (atomically). */
  download(remotePath: string, localPath: string, opts?: { signal?: AbortSignal; sudo?: boolean }): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** One line of audit.ndjson: every command run on a target (argv redacted, never stdin). */
export interface AuditEntry {
  time: string;
  host: string;
  argv: string[];
  /** For script commands: the label and the script's sha256 (the script text is in the bundle/app). */
  script?: { label?: string; sha256: string };
  sudo: boolean;
  exitCode: number | null;
  durationMs: number;
  /** Set when the command did not finish normally (lost connection, timeout, cancel). */
  error?: string;
}

export type AuditSink = (entry: AuditEntry) => void;
