// The demo bundle installed onto a bare systemd node (own segmented lab "binst"), against the
// unavoidable parts measured alone in the same run, on the same node, right after:
// - the install's wall time (CLI, `/usr/bin/time` for peak RSS), split from the journal into
//   transfer (images.stage), Docker install (docker.config + docker.install), image load
//   (images.load) and waiting for health (stack.data + stack.up);
// - alone: `ssh node 'cat > f'` of the same image archives, `docker load` of them (after
//   `compose down` and `rmi`), `docker compose up -d --wait` of the stack; Docker's own apt
//   install is counted as measured in the step (the bundle's apt is the unavoidable part).
// Goals: install <= 1.25x (sum of the parts alone + Docker install); verified transfer inside
// the install at least 1.0x of ssh cat (ratio sshCat / images.stage); a no-op re-run < 5 s;
// peak RSS < 200 MB. One run each (an install takes minutes); the load average is recorded.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournal, type JournalEntry } from '../../electron/engine/install/journal.js';
import { labDown, labStatus, labUp, execInNode } from '../../electron/engine/lab/index.js';
import { DEMO_BUNDLE, DEMO_PUBKEY, REPO, makeInstallSite } from '../support/install-lab-site.js';
import { testLabName } from '../support/lab-name.js';

const LAB = testLabName('binst');
const PASS = 'bench-install-passphrase';
const round = (x: number, d = 2) => +x.toFixed(d);

async function inNode(node: Parameters<typeof execInNode>[0], argv: string[], timeoutMs = 120_000): Promise<void> {
  const r = await execInNode(node, argv, { timeoutMs });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} on ${node.name}: exit ${r.exitCode}: ${r.stderr.trim()}`);
}

export default async function installBench(): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'bench-install-'));
  const passFile = join(work, 'pass');
  writeFileSync(passFile, PASS + '\n', { mode: 0o600 });
  const env = { APPLIANCE_DATA_DIR: join(work, 'data'), NO_COLOR: '1' };
  await execa(process.execPath, [join(REPO, 'bin/tsx.js'), join(REPO, 'scripts/build-demo-bundle.ts')], { cwd: REPO });
  await execa(process.execPath, [join(REPO, 'bin/appliance.js'), 'bundle', 'verify', DEMO_BUNDLE, '--trust', DEMO_PUBKEY], { cwd: REPO, env });
  await labDown({ name: LAB }).catch(() => undefined);
  await labUp({ name: LAB, nodes: 1, nodeSegments: { node1: 'app' }, dataSize: '6G' });
  try {
    const lab = await labStatus({ name: LAB });
    const node = lab.nodes[0]!;
    const site = join(work, 'site');
    await makeInstallSite({ dir: site, lab, node, passphrase: PASS, passFile });
    const install = async () => {
      const t0 = performance.now();
      const r = await execa('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, join(REPO, 'bin/appliance.js'), 'install', '--site', site, '--bundle', DEMO_BUNDLE, '--trust', DEMO_PUBKEY, '--passphrase-file', passFile], { cwd: REPO, env, reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`install failed: ${String(r.all).slice(-2000)}`);
      return { seconds: (performance.now() - t0) / 1000, rssMB: Number(/maxrss_kb=(\d+)/.exec(String(r.all))?.[1] ?? 0) / 1024 };
    };
    const load1 = loadavg()[0]!;
    const full = await install();
    const entries = (await readJournal(join(site, 'journal.ndjson'))) as JournalEntry[];
    const took = (...ids: string[]) => entries.filter((e): e is Extract<JournalEntry, { type: 'outcome' }> => e.type === 'outcome' && ids.includes(e.step) && e.outcome === 'changed').reduce((a, e) => a + (e.durationMs ?? 0) / 1000, 0);
    const split = { transfer: took('images.stage'), dockerInstall: took('docker.config', 'docker.install'), imageLoad: took('images.load'), waitHealthy: took('stack.data', 'stack.up') };
    const noop = await install();

    // The parts alone, on the same node.
    const manifest = JSON.parse(readFileSync(join(DEMO_BUNDLE, 'manifest.json'), 'utf8')) as { artifacts: { kind: string; ref: string; path: string; size: number }[] };
    const images = manifest.artifacts.filter((a) => a.kind === 'image');
    const ssh = ['-F', '/dev/null', '-i', node.keyPath, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${node.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `engineer@${node.address}`];
    await inNode(node, ['install', '-d', '-o', 'engineer', '/data/bench']);
    let t = performance.now();
    for (const [i, a] of images.entries()) await execa('ssh', [...ssh, `cat > /data/bench/${i}.tar`], { inputFile: join(DEMO_BUNDLE, a.path) });
    const sshCat = (performance.now() - t) / 1000;
    const compose = ['docker', 'compose', '-p', 'demo', '--project-directory', '/opt/demo', '-f', '/opt/demo/compose.yaml'];
    await inNode(node, [...compose, 'down'], 300_000);
    await inNode(node, ['docker', 'rmi', ...images.map((a) => a.ref)], 300_000);
    t = performance.now();
    for (const [i] of images.entries()) await inNode(node, ['docker', 'load', '--quiet', '--input', `/data/bench/${i}.tar`], 600_000);
    const dockerLoad = (performance.now() - t) / 1000;
    t = performance.now();
    await inNode(node, [...compose, 'up', '--detach', '--wait'], 900_000);
    const composeUp = (performance.now() - t) / 1000;
    const unavoidable = sshCat + dockerLoad + composeUp + split.dockerInstall;
    return {
      loadAverageAtStart: round(load1),
      installSeconds: round(full.seconds, 1),
      split: Object.fromEntries(Object.entries(split).map(([k, v]) => [k, round(v, 1)])),
      alone: { sshCatSeconds: round(sshCat, 1), dockerLoadSeconds: round(dockerLoad, 1), composeUpWaitSeconds: round(composeUp, 1), dockerInstallSeconds: round(split.dockerInstall, 1) },
      installVsUnavoidable: round(full.seconds / unavoidable),
      transferVsSshCat: round(sshCat / split.transfer),
      noopRerunSeconds: round(noop.seconds, 1),
      peakRssMB: round(Math.max(full.rssMB, noop.rssMB), 0),
      goals: { installVsUnavoidable: '<= 1.25', transferVsSshCat: '>= 1.0', noopRerunSeconds: '< 5', peakRssMB: '< 200' },
    };
  } finally {
    await labDown({ name: LAB }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
