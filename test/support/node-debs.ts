import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { execInNode, type LabNode } from '../../electron/engine/lab/index.js';

/** Where this machine keeps the .debs it fetched for lab nodes (re-used across runs). */
export const NODE_DEBS_CACHE = '/var/cache/airgap-appliance-test/node-debs';

/**
 * Installs Debian packages on a lab node offline, the way a site gets them from a bundle: this
 * machine resolves the closure against the NODE's own dpkg status (so only what the node lacks
 * is fetched), downloads the .debs with apt-get (Debian mirror), copies them into the node and
 * runs `apt-get install ./x.deb ...` there (the node has no package source). Recommends are left
 * out, as a minimal server would have them. Already installed packages: nothing happens.
 */
export async function installDebsOnNode(node: LabNode, packages: string[], opts: { cacheDir?: string } = {}): Promise<{ installed: string[] }> {
  const cacheDir = opts.cacheDir ?? NODE_DEBS_CACHE;
  const have = await execInNode(node, ['dpkg-query', '-W', '-f', '${Package} ${db:Status-Abbrev}\n', ...packages], { timeoutMs: 30_000 });
  const installedAlready = new Set(have.stdout.split('\n').filter((l) => /^\S+ ii/.test(l)).map((l) => l.split(' ')[0]));
  if (packages.every((p) => installedAlready.has(p))) return { installed: [] };

  const work = await mkdtemp(join(tmpdir(), 'node-debs-'));
  try {
    const status = await execInNode(node, ['cat', '/var/lib/dpkg/status'], { timeoutMs: 30_000 });
    if (status.exitCode !== 0) throw new Error(`cannot read ${node.name}'s dpkg status: ${status.stderr}`);
    const statusFile = join(work, 'status');
    await writeFile(statusFile, status.stdout);
    await mkdir(join(cacheDir, 'partial'), { recursive: true });
    const apt = ['-o', `Dir::Cache::archives=${cacheDir}`, '-o', `Dir::State::status=${statusFile}`, '--no-install-recommends', '-y'];
    // What the node lacks, as the node's dpkg sees it: "Inst name (version ... [arch])".
    const sim = await execa('apt-get', ['install', '-s', ...apt, ...packages], { env: { LC_ALL: 'C' } });
    const debs = [...sim.stdout.matchAll(/^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) .*\[(\S+)\]\)/gm)].map(([, name, version, arch]) => `${name}_${version!.replace(/:/g, '%3a')}_${arch}.deb`);
    await execa('apt-get', ['install', '--download-only', ...apt, ...packages], { env: { LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' } });

    const inNode = '/var/cache/airgap-appliance-debs';
    await execInNode(node, ['mkdir', '-p', inNode], { timeoutMs: 30_000 });
    for (const deb of debs) {
      const r = await execInNode(node, ['dd', `of=${inNode}/${deb}`, 'status=none'], { input: await readFile(join(cacheDir, deb)), timeoutMs: 60_000 });
      if (r.exitCode !== 0) throw new Error(`copying ${deb} into ${node.name} failed: ${r.stderr}`);
    }
    const install = await execInNode(node, ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', ...debs.map((d) => `${inNode}/${d}`)], { timeoutMs: 300_000 });
    if (install.exitCode !== 0) throw new Error(`apt-get install on ${node.name} failed: ${install.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    await execInNode(node, ['rm', '-rf', inNode], { timeoutMs: 30_000 });
    return { installed: debs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
