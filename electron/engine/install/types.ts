import type { OnEvent } from '../events/index.js';
import type { VerifiedBundle } from '../bundle/verified.js';
import type { Site } from '../site/index.js';
import type { ExecOptions, ExecResult, Target, TargetCommand, UploadOptions, UploadResult } from '../targets/index.js';
import type { StackDeclaration } from '../bundle/stack.js';

/**
 * The install engine's model (see docs/install.md and ../shared/INSTALL-ENGINE-NOTES.md):
 * a plan is a DAG of steps, one lane per host; each step has a read-only probe (already done?),
 * an apply that is safe to repeat, and a verify. Probes are the truth, the journal is evidence.
 */

/** Where a step belongs; phases run in this order on each host (a step may also depend across hosts). */
export const PHASES = ['preflight', 'stage', 'install', 'configure', 'start', 'verify', 'harden'] as const;
export type Phase = (typeof PHASES)[number];

/** The one outcome a step reports (Ansible's recap, plus blocked = an upstream step failed). */
export type StepOutcome = 'ok' | 'changed' | 'failed' | 'skipped' | 'blocked' | 'cancelled';

export interface ProbeResult {
  /** Nothing to do: the state apply would create is already there. */
  done: boolean;
  /** One line for the plan preview: what is there, or what apply would change ("3 of 8 images missing"). */
  reason: string;
}

/** Secrets the stack needs, generated once per site and kept in secrets.enc (see secrets-vault.ts). */
export interface StackSecrets {
  /** The value of a generated secret by its name (e.g. "DB_PASSWORD"); registered for redaction. */
  get(name: string): string;
  names(): string[];
}

/**
 * What a step sees. `exec`/`upload` go to this step's host through the audit log, with the run's
 * cancel signal; in a dry run they record the command instead of running it (probes always run
 * for real, through `probeExec`, and must be read-only).
 */
export interface StepContext {
  host: string;
  target: Target;
  site: Site;
  bundle: VerifiedBundle;
  stack: StackDeclaration;
  secrets: StackSecrets;
  /** Values the plan builder computed for this host (paths, names, facts from preflight). */
  vars: HostVars;
  dryRun: boolean;
  signal: AbortSignal;
  /** Runs a command that changes the host (recorded, not run, in a dry run). */
  exec(cmd: TargetCommand, opts?: ExecOptions): Promise<ExecResult>;
  /** Runs a read-only command (always runs; never changes anything). */
  probeExec(cmd: TargetCommand, opts?: ExecOptions): Promise<ExecResult>;
  /** Uploads a local file (recorded in a dry run). */
  upload(localPath: string, remotePath: string, opts?: UploadOptions): Promise<UploadResult>;
  /** Writes a file on the host atomically as root with the mode and owner given (recorded in a dry run). */
  writeFile(remotePath: string, content: string | Buffer, opts?: { mode?: string; owner?: string; secret?: boolean }): Promise<void>;
  /** A log line for this step's lane (redacted by the runner). */
  log(line: string, stream?: 'info' | 'warn' | 'stdout' | 'stderr'): void;
  /** Progress of this step (bytes or items). */
  progress(done: number, total: number | null, unit: 'bytes' | 'items', label?: string): void;
}

/** Per-host values for templates and steps (computed once from site.yaml, the plan and the bundle). */
export interface HostVars {
  /** The stack's name: Compose project name and /opt/<stack>. */
  stack: string;
  /** /opt/<stack>: the Compose project, owned by root. */
  stackDir: string;
  /** The data filesystem's mount point (site.yaml install.dataDir, default /data). */
  dataDir: string;
  /** Where bundle files are staged on the host before loading (on the data filesystem). */
  stagingDir: string;
  /** Docker's data-root (on the data filesystem). */
  dockerDataRoot: string;
  /** Backups of the stack (dumps, checksums). */
  backupDir: string;
  /** The FQDN users open (the plan's app name, e.g. hospital-erp.local). */
  appFqdn: string;
  /** Every name the app answers to (app + api names of the plan). */
  appNames: string[];
  /** The host's own address as the site knows it. */
  address: string;
  /** Anything else a plan builder wants to hand to its steps. */
  [key: string]: unknown;
}

export interface Step {
  /** Unique on its host, dotted, stable across versions (the journal refers to it): "docker.install". */
  id: string;
  title: string;
  host: string;
  phase: Phase;
  /** Step keys ("host/id", or "id" for the same host) that must finish (ok/changed) first. */
  dependsOn?: string[];
  /** Kill the step's work after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Read-only. Must cope with a host where earlier steps have not run yet (then: not done). */
  probe(ctx: StepContext): Promise<ProbeResult>;
  /** Makes the change. Safe to run again after an interruption at any point. */
  apply(ctx: StepContext): Promise<void>;
  /** Proves the change took (throws a clear ApplianceError if not). Not run in a dry run. */
  verify(ctx: StepContext): Promise<void>;
}

/** The key of a step in the whole plan. */
export const stepKey = (s: Pick<Step, 'host' | 'id'>): string => `${s.host}/${s.id}`;

export interface Plan {
  /** What the plan installs and where: the fingerprint refuses a resume against a changed site or bundle. */
  fingerprint: string;
  topology: 'single' | 'k3s-3';
  hosts: string[];
  steps: Step[];
}

/** Context a plan builder gets: everything but the per-step bits. */
export interface PlanInput {
  site: Site;
  bundle: VerifiedBundle;
  stack: StackDeclaration;
  vars: Record<string, HostVars>;
}

export type { StepReport, RunReport, LockHolder } from './schema.js';

export type { OnEvent, ExecOptions, ExecResult, Target, TargetCommand, UploadOptions, UploadResult };
