import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { isApplianceError, throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { probeHosts, type HostProbeResult, type ProbeOptions, type ProbeTarget } from '../hardware/remote.js';
import { redactText } from '../redact.js';
import { readSecrets, type Site } from '../site/index.js';
import { openTarget, siteAuditSink, type SshTarget } from '../targets/index.js';
import { defaultProfileName, getProfile } from './profiles.js';
import { sizeSite, type SiteSizing } from './verdict.js';

export interface SiteHardwareOptions {
  /** Profile name; default: the production profile of the site's topology. */
  profile?: string;
  /** Bundle size in bytes; default: the size of the site's bundle (site.yaml `bundle.path`) when it exists. */
  bundleBytes?: number | null;
  /** Probe only these hosts (default: every host with role "server"). */
  hosts?: string[];
  connectTimeoutMs?: number;
  sudo?: ProbeOptions['sudo'];
  resourcesDir?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
  task?: string;
}

/**
 * `appliance hardware --site DIR`: connects to every server host of the site (pinned host keys,
 * stored credentials), probes them in parallel, closes the connections and judges the reports
 * against the sizing profile. A host that cannot be reached is a failed check, not an exception.
 */
export async function probeSiteHardware(site: Site, passphrase: string, opts: SiteHardwareOptions = {}): Promise<SiteSizing> {
  const topology = site.config.topology;
  const profile = getProfile(opts.profile ?? defaultProfileName(topology), topology);
  const hosts = site.config.hosts.filter((h) => (opts.hosts ? opts.hosts.includes(h.name) : h.role === 'server'));
  const secrets = await readSecrets(site.dir, passphrase);
  const audit = siteAuditSink(site);
  throwIfAborted(opts.signal);

  // Open every connection first (in parallel); a host that fails to open keeps its error.
  const opened = await Promise.all(
    hosts.map(async (h) => {
      try {
        const t = await openTarget(h, secrets, { siteDir: site.dir, audit, ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
        return { host: h.name, target: t as SshTarget | null, error: null };
      } catch (e) {
        return { host: h.name, target: null, error: { code: isApplianceError(e) ? e.code : 'INTERNAL', message: redactText(e instanceof Error ? e.message : String(e)) } };
      }
    }),
  );
  let probed: HostProbeResult[];
  try {
    probed = await probeHosts(
      opened.filter((o) => o.target).map((o) => o.target as ProbeTarget),
      { sudo: opts.sudo, resourcesDir: opts.resourcesDir, onEvent: opts.onEvent, signal: opts.signal, task: opts.task },
    );
  } finally {
    await Promise.all(opened.map((o) => o.target?.close()));
  }
  throwIfAborted(opts.signal);
  const results = opened.map((o) => (o.target ? probed.find((p) => p.host === o.host)! : { host: o.host, report: null, error: o.error }));
  const bundleBytes = opts.bundleBytes !== undefined ? opts.bundleBytes : await siteBundleBytes(site);
  return sizeSite({ profile, topology, hosts: results, bundleBytes });
}

/** Size of the site's bundle (folder or archive) on this machine; null when none is named or it is not here. */
export async function siteBundleBytes(site: Site): Promise<number | null> {
  const ref = site.config.bundle?.path;
  if (!ref) return null;
  try {
    return await pathSize(isAbsolute(ref) ? ref : join(site.dir, ref));
  } catch {
    return null;
  }
}

async function pathSize(p: string): Promise<number> {
  const st = await stat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await readdir(p, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}
