// Practice lab with systemd nodes, from the cached base (and docker layer, built first if
// missing, outside the timings): `lab up` of 3 and of 7 bare nodes, and of 3 nodes with node1
// docker (the integration layout); wall time until every node's systemd is running and ssh
// answers, memory the running lab takes on the host (MemAvailable before up minus after up, and
// the PSS of the nodes' processes), and
// `lab down` time. Median of 3 runs each. Its own lab name, so it never touches a lab in use.
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { labDown, labUp, type NodeProfile } from '../../electron/engine/lab/index.js';
import { testLabName } from '../support/lab-name.js';

const LAB = testLabName('lbench');
const RUNS = 3;

function memAvailableMiB(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Proportional set size of every process in the lab's network namespaces, MiB: what the nodes
 * themselves use. MemAvailable moves with everything else on a shared host (other labs, page
 * cache), so it is reported beside this, not instead of it.
 */
function labPssMiB(nodes: number): number {
  const inodes = new Set<string>();
  for (let i = 1; i <= nodes; i++) {
    try {
      inodes.add(`net:[${statSync(`/run/netns/${LAB}-node${i}`).ino}]`);
    } catch {
      // not there
    }
  }
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!inodes.has(readlinkSync(`/proc/${pid}/ns/net`))) continue;
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.floor(s.length / 2)]!.toFixed(2);
}

async function shape(nodes: number, nodeProfiles: Record<string, NodeProfile> = {}): Promise<Record<string, number>> {
  const up: number[] = [];
  const down: number[] = [];
  const mem: number[] = [];
  const pss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = memAvailableMiB();
    let t = performance.now();
    await labUp({ name: LAB, nodes, nodeProfiles });
    up.push((performance.now() - t) / 1000);
    // Let boot-time bursts settle so the figure is the lab at rest.
    await new Promise((r) => setTimeout(r, 3000));
    mem.push(before - memAvailableMiB());
    pss.push(labPssMiB(nodes));
    t = performance.now();
    await labDown({ name: LAB });
    down.push((performance.now() - t) / 1000);
  }
  return { upSeconds: median(up), downSeconds: median(down), hostMemAvailableDropMiB: Math.round(median(mem)), nodesPssMiB: Math.round(median(pss)) };
}

export default async function run(): Promise<Record<string, unknown>> {
  await labDown({ name: LAB });
  // Warm-up (not measured): builds the base and docker layer if this state dir lacks them.
  await labUp({ name: LAB, nodes: 1, nodeProfiles: { node1: 'docker' } });
  await labDown({ name: LAB });
  return {
    lab: LAB,
    runs: RUNS,
    bare3: await shape(3),
    bare7: await shape(7),
    docker1bare2: await shape(3, { node1: 'docker' }),
  };
}
