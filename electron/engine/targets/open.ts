import { isAbsolute, resolve } from 'node:path';
import { readSecrets, hostSecretKeys, sitePaths, type Site, type SiteHost } from '../site/index.js';
import { fileAuditSink } from './audit.js';
import { SshTarget } from './ssh-target.js';
import type { AuditSink } from './target.js';

export interface OpenTargetOptions {
  /** The site folder: relative key paths are relative to it. */
  siteDir?: string;
  audit?: AuditSink;
  connectTimeoutMs?: number;
  ciphers?: string[];
  signal?: AbortSignal;
}

/**
 * Connects to a site host with its stored credentials (`hosts.<name>.password`,
 * `hosts.<name>.keyPassphrase` in secrets.enc) and its pinned host key.
 */
export function openTarget(host: SiteHost, secrets: Record<string, string>, opts: OpenTargetOptions = {}): Promise<SshTarget> {
  const keys = hostSecretKeys(host.name);
  const keyPath = host.keyPath && opts.siteDir && !isAbsolute(host.keyPath) ? resolve(opts.siteDir, host.keyPath) : host.keyPath;
  const password = secrets[keys.password];
  const keyPassphrase = secrets[keys.keyPassphrase];
  return SshTarget.connect({
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    auth: host.auth,
    ...(keyPath ? { keyPath } : {}),
    ...(password ? { password } : {}),
    ...(keyPassphrase ? { keyPassphrase } : {}),
    ...(host.hostKey ? { hostKey: host.hostKey } : {}),
    ...(opts.audit ? { audit: opts.audit } : {}),
    ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** The site's audit.ndjson as an audit sink. */
export function siteAuditSink(site: Site | string): AuditSink {
  return fileAuditSink(sitePaths(typeof site === 'string' ? site : site.dir).audit);
}

/**
 * Opens every host of a site (or the named ones) in parallel, auditing to the site's
 * audit.ndjson. If any fails, the others are closed and the first error is thrown.
 */
export async function openSiteTargets(site: Site, passphrase: string, opts: Omit<OpenTargetOptions, 'siteDir'> & { hosts?: string[] } = {}): Promise<SshTarget[]> {
  const secrets = await readSecrets(site.dir, passphrase);
  const hosts = site.config.hosts.filter((h) => !opts.hosts || opts.hosts.includes(h.name));
  const audit = opts.audit ?? siteAuditSink(site);
  const settled = await Promise.allSettled(hosts.map((h) => openTarget(h, secrets, { ...opts, siteDir: site.dir, audit })));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<SshTarget>).value);
}
