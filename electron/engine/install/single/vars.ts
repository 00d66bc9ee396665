import { ApplianceError } from '../../errors.js';
import { certificatePlan } from '../../pki/index.js';
import type { Site, SiteHost } from '../../site/index.js';
import type { StackDeclaration } from '../../bundle/stack.js';
import type { HostVars } from '../types.js';
import { installSettings } from './settings.js';

/**
 * The values every step of a single-server install shares: paths on the data filesystem, the
 * names users open (the web certificate's names: the domain, api.<domain>, ...), the address.
 */
export function singleServerVars(site: Site, stack: StackDeclaration, host: SiteHost): HostVars {
  const settings = installSettings(site.config);
  const web = certificatePlan(site.config).find((c) => c.name === 'web');
  if (!web) throw new ApplianceError('VALIDATION', 'The site plan has no web certificate (the names users open): plan the network first.');
  const domain = site.config.domain.toLowerCase();
  const appNames = [...new Set([domain, ...web.dns])];
  const dataDir = settings.dataDir.replace(/\/$/, '') || '/';
  return {
    stack: stack.name,
    stackDir: `/opt/${stack.name}`,
    dataDir,
    stagingDir: `${dataDir}/airgap-appliance/staging`,
    dockerDataRoot: `${dataDir}/docker`,
    backupDir: `${dataDir}/backups/${stack.name}`,
    appFqdn: domain,
    appNames,
    address: host.address,
    apiFqdn: `api.${domain}`,
    adminEmail: settings.adminEmail ?? `admin@${domain}`,
    dockerBridge: settings.dockerBridge,
    dockerAddressPool: settings.dockerAddressPool,
  };
}

/** The single server of a site (topology single has exactly one host). */
export function singleServer(site: Site): SiteHost {
  if (site.config.topology !== 'single') throw new ApplianceError('VALIDATION', `The site's topology is ${site.config.topology}; this plan installs topology single.`);
  const hosts = site.config.hosts;
  if (hosts.length !== 1) throw new ApplianceError('VALIDATION', `A single-server site has exactly one host; this one has ${hosts.length} (${hosts.map((h) => h.name).join(', ') || 'none'}). Add one with "appliance site add-host".`);
  return hosts[0]!;
}
