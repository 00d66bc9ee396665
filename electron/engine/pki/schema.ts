import { z } from 'zod';

/**
 * Shapes shared by the engine, the CLI (--json) and the contract. None of them carries a key:
 * private keys stay in files under pki/ (encrypted) and never cross to the renderer.
 */
export const CaAlgorithmSchema = z.enum(['rsa4096', 'ecdsa-p256']);

export const PermittedNamesSchema = z.object({ dns: z.array(z.string()), ip: z.array(z.string()) });

export const CaStatus = z.discriminatedUnion('present', [
  z.object({ present: z.literal(false), pkiDir: z.string() }),
  z.object({
    present: z.literal(true),
    pkiDir: z.string(),
    algorithm: CaAlgorithmSchema,
    /** e.g. "RSA 4096". */
    key: z.string(),
    subject: z.string(),
    serial: z.string(),
    fingerprintSha256: z.string(),
    signatureAlgorithm: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
    daysLeft: z.number(),
    permitted: PermittedNamesSchema,
    kdfIterations: z.number(),
  }),
]);
export type CaStatus = z.infer<typeof CaStatus>;

export const Destination = z.object({
  host: z.string(),
  paths: z.array(z.string()),
  /** Filled by the install engine when the certificate is copied to the host. */
  installedSerial: z.string().nullable().default(null),
  installedAt: z.string().nullable().default(null),
});
export type Destination = z.infer<typeof Destination>;

export const InventoryEntry = z.object({
  name: z.string(),
  purpose: z.string(),
  serial: z.string(),
  fingerprintSha256: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  dns: z.array(z.string()),
  ip: z.array(z.string()),
  /** Paths relative to the site's pki/ folder. */
  files: z.record(z.string(), z.string()),
  destinations: z.array(Destination),
});
export type InventoryEntry = z.infer<typeof InventoryEntry>;

export const Inventory = z.object({
  schemaVersion: z.literal(1),
  caFingerprintSha256: z.string(),
  updated: z.string(),
  certificates: z.array(InventoryEntry),
});
export type Inventory = z.infer<typeof Inventory>;

export const IssueAction = z.enum(['issued', 'reissued', 'unchanged']);

export const IssueResult = z.object({
  name: z.string(),
  action: IssueAction,
  /** Why it was (re)issued or left alone, e.g. "names changed", "expires in 12 days". */
  reason: z.string(),
  serial: z.string(),
  notAfter: z.string(),
  dns: z.array(z.string()),
  ip: z.array(z.string()),
});
export type IssueResult = z.infer<typeof IssueResult>;

export const CertificateListing = z.object({
  name: z.string(),
  purpose: z.string(),
  subject: z.string(),
  dns: z.array(z.string()),
  ip: z.array(z.string()),
  serial: z.string(),
  fingerprintSha256: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  daysLeft: z.number(),
  /** Signed by the site's current CA (false after the CA was re-created). */
  currentCa: z.boolean(),
  /**
   * key.pem as stored: encrypted under the site passphrase, in clear (written by an older
   * version: a finding, fixed by "pki encrypt-keys" or the next issue), or damaged/missing.
   */
  keyAtRest: z.enum(['encrypted', 'clear', 'damaged']),
  destinations: z.array(Destination),
});
export type CertificateListing = z.infer<typeof CertificateListing>;
