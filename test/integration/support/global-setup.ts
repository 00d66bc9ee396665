/**
 * vitest globalSetup for the integration project: brings up the shared practice lab "it"
 * (3 nodes: node1 of the docker profile, node2 and node3 bare) once for the whole run, reusing it when it is already up and
 * healthy, and takes it down at the end unless KEEP_LAB=1. A lab it found running (kept by an
 * earlier KEEP_LAB=1 run, or in use by another run on this machine) is left running: only the
 * run that brought the lab up takes it down.
 *
 * When the lab cannot come up (not root, host tools missing, ...) the run fails if
 * LAB_REQUIRED=1; otherwise the reason is handed to the test workers (`inject('lab')`) and
 * every `describeWithLab` suite is skipped with that reason.
 */
import type { TestProject } from 'vitest/node';
import { labDown } from '../../../electron/engine/lab/index.js';
import { ensureLab } from '../../support/ensure-lab.js';
import type { ApplianceEvent } from '../../../electron/engine/events/index.js';

/**
 * Name of the lab shared by all integration tests; APPLIANCE_IT_LAB overrides it so worktrees
 * can run their suites side by side (with their own APPLIANCE_LAB_DIR). Tests that need their
 * own lab use another name.
 */
export const IT_LAB_NAME = process.env.APPLIANCE_IT_LAB || 'it';
export const IT_LAB_NODES = 3;
/**
 * node1 has Docker (demo images, docker tests); node2 and node3 are bare, like a freshly
 * installed server (hardware probe, uploads, sudo, network verify).
 */
export const IT_LAB_PROFILES = { node1: 'docker' } as const;

/** What the global setup hands to test files. */
export interface LabAvailability {
  ok: boolean;
  /** Why the lab is unavailable (when ok is false). */
  reason?: string;
  name: string;
  /** State root passed to labStatus (APPLIANCE_LAB_DIR or the default). */
  stateDir?: string;
  /** True when this run brought the lab up (and so takes it down). */
  createdByThisRun?: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabAvailability;
  }
}

function progress(e: ApplianceEvent): void {
  // Only the long, rare phase is worth a line: the first-time base rootfs build.
  if (e.type === 'log' && (e.stream === 'info' || e.stream === 'warn' || e.stream === 'error')) {
    process.stderr.write(`[lab ${IT_LAB_NAME}] ${e.host ? e.host + ': ' : ''}${e.line}\n`);
  }
}

async function bringUp(stateDir: string | undefined): Promise<LabAvailability> {
  const base = { name: IT_LAB_NAME, stateDir };
  if (process.platform !== 'linux') return { ...base, ok: false, reason: 'the practice lab needs Linux' };
  if (process.getuid?.() !== 0) return { ...base, ok: false, reason: 'the practice lab needs root (run the integration tests as root)' };
  try {
    const t = Date.now();
    const { started } = await ensureLab({ name: IT_LAB_NAME, nodes: IT_LAB_NODES, nodeProfiles: { ...IT_LAB_PROFILES }, stateDir, onEvent: progress });
    if (!started) {
      process.stderr.write(`[lab ${IT_LAB_NAME}] reusing the running lab; it stays up after the run\n`);
      return { ...base, ok: true, createdByThisRun: false };
    }
    process.stderr.write(`[lab ${IT_LAB_NAME}] up in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    return { ...base, ok: true, createdByThisRun: true };
  } catch (e) {
    return { ...base, ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = process.env.APPLIANCE_LAB_DIR || undefined;
  const availability = await bringUp(stateDir);
  if (!availability.ok) {
    if (process.env.LAB_REQUIRED === '1') throw new Error(`LAB_REQUIRED=1 but the practice lab is unavailable: ${availability.reason}`);
    process.stderr.write(`[lab ${IT_LAB_NAME}] unavailable, lab tests will be skipped: ${availability.reason}\n`);
  }
  project.provide('lab', availability);
  return async () => {
    if (!availability.ok || !availability.createdByThisRun || process.env.KEEP_LAB === '1') return;
    await labDown({ name: IT_LAB_NAME, stateDir, onEvent: progress });
  };
}
