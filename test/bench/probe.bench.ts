// Hardware probe of the 3 nodes of the lab "bench" over SSH (goal: < 3 s wall time), against
// the standard tool in the same run: OpenSSH's `ssh node sh -s < hardware-probe.sh`, 3 in
// parallel (fresh connections, like a first probe). Reports: the appliance's probe with
// connection setup (open + probe + close, what `appliance hardware --site` does), the probe
// alone on open connections, and the ssh baseline; median of 5 runs each. Brings the lab up
// if it is down and takes it down again only then (the upload bench shares it).
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { probeHosts, loadProbeScript } from '../../electron/engine/hardware/index.js';
import { labDown, labStatus, type LabNode } from '../../electron/engine/lab/index.js';
import type { SiteHost } from '../../electron/engine/site/index.js';
import { openTarget, type SshTarget } from '../../electron/engine/targets/index.js';
import { ensureLab } from '../support/ensure-lab.js';
import { testLabName } from '../support/lab-name.js';

// Shared by the probe and upload benches; suffixed like every test lab (see lab-name.ts).
const LAB = testLabName('bench');
const RUNS = 5;

function hostOf(n: LabNode): SiteHost {
  return { name: n.name, address: n.address, port: n.sshPort, user: n.user, role: 'server', auth: 'key', keyPath: n.keyPath, hostKey: n.hostKeyFingerprint };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.floor(s.length / 2)]!.toFixed(3);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export default async function run(): Promise<Record<string, unknown>> {
  const wasUp = !(await ensureLab({ name: LAB, nodes: 3 })).started;
  try {
    const lab = await labStatus({ name: LAB });
    const script = await loadProbeScript();
    const scriptBytes = Buffer.byteLength(script);

    const openAll = () => Promise.all(lab.nodes.map((n) => openTarget(hostOf(n), {})));
    const closeAll = (ts: SshTarget[]) => Promise.all(ts.map((t) => t.close()));

    // Warm-up (page cache for the script's tools on the nodes, ssh2 crypto init).
    await closeAll(await openAll());

    const withConnect: number[] = [];
    const probeOnly: number[] = [];
    const sshBaseline: number[] = [];
    let warnings = 0;
    for (let i = 0; i < RUNS; i++) {
      withConnect.push(
        await timed(async () => {
          const ts = await openAll();
          try {
            const res = await probeHosts(ts);
            const failed = res.filter((r) => !r.report);
            if (failed.length) throw new Error(`probe failed on ${failed.map((f) => `${f.host}: ${f.error?.message}`).join('; ')}`);
            warnings = res.reduce((n, r) => n + (r.report?.warnings.length ?? 0), 0);
          } finally {
            await closeAll(ts);
          }
        }),
      );
      const ts = await openAll();
      try {
        probeOnly.push(await timed(() => probeHosts(ts)));
      } finally {
        await closeAll(ts);
      }
      sshBaseline.push(
        await timed(() =>
          Promise.all(
            lab.nodes.map((n) =>
              execa('ssh', ['-F', '/dev/null', '-i', n.keyPath, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${n.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${n.address}`, 'sh', '-s', '--', '::bench::'], {
                input: readFileSync(new URL('../../installer-assets/probes/hardware-probe.sh', import.meta.url)),
              }),
            ),
          ),
        ),
      );
    }
    const appliance = median(withConnect);
    const baseline = median(sshBaseline);
    return {
      lab: LAB,
      labWasUp: wasUp,
      nodes: lab.nodes.length,
      runs: RUNS,
      scriptBytes,
      warningsPerRun: warnings,
      applianceProbe3NodesWithConnectSeconds: appliance,
      applianceProbe3NodesOnOpenConnectionsSeconds: median(probeOnly),
      opensshSameScript3NodesSeconds: baseline,
      ratioApplianceToOpenssh: +(appliance / baseline).toFixed(2),
      goalSeconds: 3,
      goalMet: appliance < 3,
    };
  } finally {
    if (!wasUp) await labDown({ name: LAB });
  }
}
