import { isAbsolute, resolve } from 'node:path';
import { access, mkdir, rm, stat } from 'node:fs/promises';
import { ApplianceError } from '../errors.js';
import { labStatus } from '../lab/index.js';
import { planFromLab, ROLE_OF_SEGMENT } from '../network/lab-preset.js';
import type { SegmentName } from '../network/schema.js';
import { scanHostKey } from '../targets/host-keys.js';
import { assertNewPassphrase } from './passphrase.js';
import { hostSecretKeys, sitePaths } from './paths.js';
import { SiteHost, type SiteHostInput } from './schema.js';
import { createSecrets, readSecrets, updateSecrets } from './secrets.js';
import { assertNoEarlierSite, createSiteFiles, loadSite, updateSite, type InitSiteOptions, type Site } from './store.js';

/**
 * Creates a site folder and its (empty) secrets.enc, which fixes the site passphrase. A folder
 * with an earlier site's site.yaml, secrets.enc or pki/ is refused with CONFLICT, unchanged.
 * secrets.enc is created first and exclusively: of two creations at once, one wins.
 */
export async function initSiteWithSecrets(dir: string, opts: InitSiteOptions, passphrase: string): Promise<Site> {
  assertNewPassphrase(passphrase);
  await assertNoEarlierSite(dir);
  await mkdir(dir, { recursive: true });
  await createSecrets(dir, passphrase, {});
  const secrets = sitePaths(dir).secrets;
  const mine = await stat(secrets);
  try {
    return await createSiteFiles(dir, opts);
  } catch (e) {
    // Take back only the empty secrets.enc this call made (same inode), so the folder can be retried.
    const now = await stat(secrets).catch(() => undefined);
    if (now && now.ino === mine.ino && now.dev === mine.dev) await rm(secrets, { force: true });
    throw e;
  }
}

export interface AddHostInput {
  host: SiteHostInput;
  /** Login password (auth: password) or sudo password (auth: key/agent). Stored encrypted only. */
  password?: string;
  /** Passphrase of the key file. Stored encrypted only. */
  keyPassphrase?: string;
  /** Replace a host of the same name instead of failing with CONFLICT. */
  replace?: boolean;
}

/**
 * Validates a host as typed (CLI flags, a console form): VALIDATION naming the first wrong field
 * and why, e.g. `host node1: address: expected an IP address or host name, got "..."`.
 */
export function parseHostInput(input: SiteHostInput): SiteHost {
  const parsed = SiteHost.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ApplianceError('VALIDATION', `host ${input.name ?? ''}: ${issue.path.join('.') || 'host'}: ${issue.message}`, { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
}

/**
 * Adds a host to site.yaml and its secrets to secrets.enc. The passphrase is checked before
 * anything is written (a wrong one changes nothing). A key path must exist on this machine.
 */
export async function addHost(dir: string, passphrase: string, input: AddHostInput): Promise<Site> {
  const host = parseHostInput(input.host);
  if (host.auth === 'password' && !input.password) {
    const existing = await readSecrets(dir, passphrase);
    if (!existing[hostSecretKeys(host.name).password]) throw new ApplianceError('VALIDATION', `${host.name} uses password login but no password was given (--password-stdin).`);
  }
  if (host.keyPath) {
    const full = isAbsolute(host.keyPath) ? host.keyPath : resolve(dir, host.keyPath);
    try {
      await access(full);
    } catch {
      throw new ApplianceError('NOT_FOUND', `The key file ${full} for ${host.name} does not exist.`, { host: host.name, keyPath: full });
    }
  }
  const site = await loadSite(dir);
  const exists = site.config.hosts.some((h) => h.name === host.name);
  if (exists && !input.replace) throw new ApplianceError('CONFLICT', `${dir}/site.yaml already has a host "${host.name}"; use --replace to change it.`, { host: host.name });
  if (site.config.topology === 'single' && !exists && site.config.hosts.length >= 1 && host.role === 'server' && site.config.hosts.some((h) => h.role === 'server')) {
    throw new ApplianceError('VALIDATION', `Site "${site.config.name}" has topology single: it has one server (${site.config.hosts.find((h) => h.role === 'server')!.name}) already.`);
  }
  // Secrets first: this checks the passphrase before site.yaml is touched.
  const keys = hostSecretKeys(host.name);
  const changes: Record<string, string | undefined> = {};
  if (input.password !== undefined) changes[keys.password] = input.password;
  if (input.keyPassphrase !== undefined) changes[keys.keyPassphrase] = input.keyPassphrase;
  if (Object.keys(changes).length) await updateSecrets(dir, passphrase, changes);
  else await readSecrets(dir, passphrase);
  return updateSite(dir, (c) => {
    const i = c.hosts.findIndex((h) => h.name === host.name);
    if (i >= 0) c.hosts[i] = host;
    else c.hosts.push(host);
  });
}

/**
 * Fills a site's hosts from the running practice lab: the first node for `single`, three for
 * `k3s-3`, logging in as the lab's user with the lab key. Host keys are pinned from the lab's
 * own records, and only after a scan shows each node presents exactly that key. From a segmented
 * lab (`lab up --segments`) every node joins, with the role of its segment (dmz lb, app server,
 * data db, mgmt mgmt), and the site gets the "lab" network plan built from the lab's real
 * segments and addresses.
 */
export async function siteFromLab(dir: string, opts: { labName?: string } = {}): Promise<Site> {
  const site = await loadSite(dir);
  const lab = await labStatus({ ...(opts.labName ? { name: opts.labName } : {}) });
  const need = site.config.topology === 'single' ? 1 : 3;
  // A segmented lab is a whole site (LBs, servers, databases): every node joins it.
  const segmented = !!lab.segments;
  const running = lab.nodes.filter((n) => n.running);
  const nodes = segmented ? running : running.slice(0, need);
  if (nodes.length < need) {
    throw new ApplianceError('NOT_FOUND', `Lab "${lab.name}" has ${nodes.length} running node(s); topology ${site.config.topology} needs ${need}. Start it with "appliance lab up${opts.labName ? ` --name ${opts.labName}` : ''}".`);
  }
  await Promise.all(
    nodes.map(async (n) => {
      const scanned = await scanHostKey({ name: n.name, address: n.address, port: n.sshPort, timeoutMs: 5_000 });
      if (scanned.fingerprint !== n.hostKeyFingerprint) {
        throw new ApplianceError('INTEGRITY', `Lab node ${n.name} presents ${scanned.fingerprint}, but the lab recorded ${n.hostKeyFingerprint}.`, { host: n.name });
      }
    }),
  );
  return updateSite(dir, (c) => {
    for (const n of nodes) {
      const placed = segmented ? { role: ROLE_OF_SEGMENT[n.segment as SegmentName], segment: n.segment } : { role: 'server' };
      const host = SiteHost.parse({ name: n.name, address: n.address, port: n.sshPort, user: n.user, ...placed, auth: 'key', keyPath: n.keyPath, hostKey: n.hostKeyFingerprint });
      const i = c.hosts.findIndex((h) => h.name === n.name);
      if (i >= 0) c.hosts[i] = host;
      else c.hosts.push(host);
    }
    // The site's plan is the lab's truth: its real segments and addresses (the "lab" preset).
    if (segmented) c.network = planFromLab(lab, { topology: c.topology, domain: c.domain, hosts: c.hosts });
  });
}
