/**
 * A site folder for one node of a segmented practice lab, ready to install on: the admin user
 * engineer (the lab key, its sudo password in secrets.enc), the lab's own network plan, the lab
 * sizing profile, a CA and the web certificate. Shared by the install test and the install bench.
 * Plain module (no vitest import).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { LabNode, LabStatus } from '../../electron/engine/lab/index.js';
import { planFromLab } from '../../electron/engine/network/lab-preset.js';
import { siteContext } from '../../electron/engine/network/index.js';
import { hostSecretKeys, loadSite, updateSecrets, updateSite } from '../../electron/engine/site/index.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const DEMO_BUNDLE = join(REPO, 'bundles/out/demo');
export const DEMO_PUBKEY = join(REPO, 'bundles/out/keys/demo.pub.pem');

/** The engineer's sudo password of a lab (secrets.json, root only). */
export async function engineerPassword(lab: LabStatus): Promise<string> {
  return (JSON.parse(await readFile(join(lab.stateDir, 'labs', lab.name, 'secrets.json'), 'utf8')) as { engineerPassword: string }).engineerPassword;
}

export async function makeInstallSite(opts: { dir: string; lab: LabStatus; node: LabNode; passphrase: string; passFile: string }): Promise<void> {
  const run = (args: string[]) => execa(process.execPath, [join(REPO, 'bin/appliance.js'), ...args, '--passphrase-file', opts.passFile], { cwd: REPO });
  await run(['site', 'init', opts.dir, '--name', `Install ${opts.node.name}`, '--topology', 'single', '--from-lab', '--lab-name', opts.lab.name]);
  await updateSite(opts.dir, (c) => {
    c.hosts = c.hosts.filter((h) => h.name === opts.node.name).map((h) => ({ ...h, user: 'engineer' }));
    (c as Record<string, unknown>).install = { profile: 'lab' };
  });
  const site = await loadSite(opts.dir);
  await updateSite(opts.dir, (c) => {
    c.network = planFromLab(opts.lab, siteContext(site));
  });
  await updateSecrets(opts.dir, opts.passphrase, { [hostSecretKeys(opts.node.name).password]: await engineerPassword(opts.lab) });
  await run(['pki', 'init', '--site', opts.dir]);
  await run(['pki', 'issue', '--site', opts.dir]);
}
