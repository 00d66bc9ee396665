import type { Site } from './store.js';
import { sitePaths } from './paths.js';

/** What may be shown of a site anywhere (renderer, `site show`): no secrets, only whether they exist. */
export interface SiteSummary {
  dir: string;
  name: string;
  topology: 'single' | 'k3s-3';
  domain: string;
  hosts: {
    name: string;
    address: string;
    port: number;
    user: string;
    role: string;
    segment?: string;
    auth: 'key' | 'password' | 'agent';
    keyPath?: string;
    hostKey?: string;
    /** A password or key passphrase is stored in secrets.enc (only known when the secrets were read). */
    hasSecret?: boolean;
  }[];
  bundle?: { path: string; digest?: string };
  hasNetworkPlan: boolean;
  paths: ReturnType<typeof sitePaths>;
}

/** A secret-free summary; `secretNames` are the keys present in secrets.enc, when they were read. */
export function summarizeSite(site: Site, secretNames?: string[]): SiteSummary {
  const c = site.config;
  return {
    dir: site.dir,
    name: c.name,
    topology: c.topology,
    domain: c.domain,
    hosts: c.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      role: h.role,
      ...(h.segment ? { segment: h.segment } : {}),
      auth: h.auth,
      ...(h.keyPath ? { keyPath: h.keyPath } : {}),
      ...(h.hostKey ? { hostKey: h.hostKey } : {}),
      ...(secretNames ? { hasSecret: secretNames.some((n) => n.startsWith(`hosts.${h.name}.`)) } : {}),
    })),
    ...(c.bundle ? { bundle: c.bundle } : {}),
    hasNetworkPlan: c.network !== undefined,
    paths: sitePaths(site.dir),
  };
}
