import { ApplianceError } from '../../electron/engine/errors.js';
import type { OnEvent } from '../../electron/engine/events/index.js';
import { labDown, labStatus, labUp, type NodeProfile } from '../../electron/engine/lab/index.js';

/**
 * Makes a practice lab of the given shape available to a test run or a bench. A lab already
 * running healthy (kept by KEEP_LAB=1, or in use by another run on this machine) is reused;
 * one that is up but broken or of another shape is replaced. Answers whether this call started
 * it: only then may the caller take it down, so concurrent runs never pull a lab from under
 * each other.
 */
export async function ensureLab(opts: {
  name: string;
  nodes: number;
  /** Profile of every node not in nodeProfiles (default bare). */
  profile?: NodeProfile;
  nodeProfiles?: Record<string, NodeProfile>;
  stateDir?: string;
  onEvent?: OnEvent;
}): Promise<{ started: boolean }> {
  const { name, nodes, profile = 'bare', nodeProfiles = {}, stateDir, onEvent } = opts;
  const healthy = async () => {
    const st = await labStatus({ name, stateDir });
    return st.nodes.length === nodes && st.nodes.every((n) => n.running && n.systemState === 'running' && n.profile === (nodeProfiles[n.name] ?? profile));
  };
  const up = () => labUp({ name, nodes, profile, nodeProfiles, stateDir, onEvent });
  if (await healthy()) return { started: false };
  try {
    // labUp waits for another run's `lab up` (lab lock) and cleans up after a crashed one.
    await up();
  } catch (e) {
    if (!(e instanceof ApplianceError && e.code === 'CONFLICT')) throw e;
    if (await healthy()) return { started: false }; // another run brought it up meanwhile
    await labDown({ name, stateDir, onEvent });
    await up();
  }
  return { started: true };
}
