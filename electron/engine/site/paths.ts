import { join } from 'node:path';

/** Where each part of a site lives inside its folder (see docs/sites-and-targets.md). */
export interface SitePaths {
  dir: string;
  siteYaml: string;
  secrets: string;
  pkiDir: string;
  journal: string;
  audit: string;
  checksDir: string;
  reportsDir: string;
  diagnosticsDir: string;
}

export function sitePaths(dir: string): SitePaths {
  return {
    dir,
    siteYaml: join(dir, 'site.yaml'),
    secrets: join(dir, 'secrets.enc'),
    pkiDir: join(dir, 'pki'),
    journal: join(dir, 'journal.ndjson'),
    audit: join(dir, 'audit.ndjson'),
    checksDir: join(dir, 'checks'),
    reportsDir: join(dir, 'reports'),
    diagnosticsDir: join(dir, 'diagnostics'),
  };
}

/** Names of the secrets kept for a host in secrets.enc. */
export function hostSecretKeys(host: string): { password: string; keyPassphrase: string } {
  return { password: `hosts.${host}.password`, keyPassphrase: `hosts.${host}.keyPassphrase` };
}
