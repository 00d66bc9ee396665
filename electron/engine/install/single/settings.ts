import { z } from 'zod';
import { ApplianceError } from '../../errors.js';
import type { SiteConfig } from '../../site/index.js';

const AbsPath = z.string().regex(/^\/[A-Za-z0-9._@/-]*$/, 'must be an absolute path of letters, digits and ._@-/').max(200);
const Cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 range like 172.30.0.0/16');

/**
 * The optional `install:` section of site.yaml: where data lives and the address ranges Docker
 * may take. Defaults suit the on-premise guide (a data disk at /data) and keep Docker away from
 * the ranges sites use (10/8 plans, 192.168/16 DMZ): Docker's own default pools run into 192.168.
 */
export const InstallSettings = z
  .object({
    /** Mount point of the data filesystem (Docker's data-root, volumes, backups, staging). */
    dataDir: AbsPath.default('/data'),
    /** docker0's address (Docker's `bip`). */
    dockerBridge: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must look like 172.31.1.1/24').default('172.31.1.1/24'),
    /** Where Compose networks get their /24s (Docker's `default-address-pools`). */
    dockerAddressPool: Cidr.default('172.30.0.0/16'),
    /** The initial admin's e-mail for the create-admin hook (default admin@<domain>). */
    adminEmail: z.string().max(254).regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address').optional(),
    /** Sizing profile the preflight judges hardware by (default: the production tier of the topology; "lab" for the practice lab). */
    profile: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be a sizing profile name such as small-single or lab').optional(),
    /** The site remembers the bundle in `bundle:`; this is the trusted key file it was verified with, if not in the app's trust store. */
    trust: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type InstallSettings = z.infer<typeof InstallSettings>;

export function installSettings(config: SiteConfig): InstallSettings {
  const raw = (config as Record<string, unknown>).install ?? {};
  const r = InstallSettings.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ApplianceError('VALIDATION', `site.yaml install.${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}
