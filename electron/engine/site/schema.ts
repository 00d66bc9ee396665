import { z } from 'zod';
import { addressProblem, quoteValue, userProblem } from './host-fields.js';

/**
 * The schema of site.yaml. Messages are written for a field engineer: the loader prefixes
 * them with the file, line and field (`site.yaml line 12: hosts[1].port: ...`).
 */
export const SITE_SCHEMA_VERSION = 1;

/** OpenSSH-style SHA256 fingerprint: `SHA256:` + 43 chars of unpadded base64. */
export const HostKeyFingerprint = z
  .string({ error: 'expected a host-key fingerprint like "SHA256:abc..."' })
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, { error: 'expected a host-key fingerprint like "SHA256:" followed by 43 base64 characters' });

export const HostName = z
  .string({ error: 'expected a host name' })
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'expected a lowercase name of letters, digits and dashes (e.g. node1)' });

/** Where ssh connects: an IPv4/IPv6 literal or an RFC 1123 host name (see host-fields.ts). */
export const HostAddress = z.string({ error: 'expected an IP address or host name' }).superRefine((v, ctx) => {
  const problem = addressProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected an IP address or host name, got ${quoteValue(v)}: ${problem}` });
});

/** The SSH login user: a POSIX-style user name (see host-fields.ts). */
export const LoginUser = z.string({ error: 'expected a login user name' }).superRefine((v, ctx) => {
  const problem = userProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected a login user name, got ${quoteValue(v)}: ${problem}` });
});

export const HostRole = z.enum(['server', 'lb', 'db', 'app', 'mgmt'], { error: 'expected one of server, lb, db, app, mgmt' });
export const HostAuth = z.enum(['key', 'password', 'agent'], { error: 'expected one of key, password, agent' });
export const Topology = z.enum(['single', 'k3s-3'], { error: 'expected single or k3s-3' });

export const SiteHost = z
  .object({
    name: HostName,
    address: HostAddress,
    port: z.number({ error: 'expected a number 1-65535' }).int({ error: 'expected a number 1-65535' }).min(1, { error: 'expected a number 1-65535' }).max(65535, { error: 'expected a number 1-65535' }).default(22),
    user: LoginUser,
    role: HostRole.default('server'),
    segment: z.string({ error: 'expected a segment name (dmz, app, data, mgmt)' }).optional(),
    auth: HostAuth,
    /** Private key file for auth: key. Stays where the engineer keeps it; a relative path is relative to the site folder. */
    keyPath: z.string({ error: 'expected a path to a private key file' }).min(1).optional(),
    /** Pinned SSH host key (SHA256 fingerprint); absent until accepted on first contact. */
    hostKey: HostKeyFingerprint.optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (h.auth === 'key' && !h.keyPath) ctx.addIssue({ code: 'custom', path: ['keyPath'], message: 'auth is "key" but no keyPath is given' });
  });

export const SiteBundleRef = z
  .object({
    path: z.string({ error: 'expected the path of the bundle folder or archive' }).min(1),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, { error: 'expected "sha256:" followed by 64 hex digits' }).optional(),
  })
  .strict();

/**
 * site.yaml. Top-level keys this schema does not know (added by other capabilities, e.g. a
 * `pki:` section) are kept as they are; `network` is validated by electron/engine/network.
 */
export const SiteConfig = z
  .object({
    schemaVersion: z.literal(SITE_SCHEMA_VERSION, { error: `expected schemaVersion ${SITE_SCHEMA_VERSION}` }),
    name: z.string({ error: 'expected a site name' }).min(1, { error: 'expected a site name' }).max(100),
    topology: Topology,
    domain: z
      .string({ error: 'expected an internal DNS domain like hospital-erp.local' })
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i, { error: 'expected an internal DNS domain like hospital-erp.local' })
      .default('hospital-erp.local'),
    hosts: z.array(SiteHost, { error: 'expected a list of hosts' }).default([]),
    /** The network plan; its shape belongs to electron/engine/network (validatePlan). */
    network: z.unknown().optional(),
    bundle: SiteBundleRef.optional(),
  })
  .loose()
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.hosts.forEach((h, i) => {
      const first = seen.get(h.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'name'], message: `duplicate host name "${h.name}" (also hosts[${first}])` });
      else seen.set(h.name, i);
    });
  });

export type SiteHost = z.infer<typeof SiteHost>;
export type SiteHostInput = z.input<typeof SiteHost>;
export type SiteConfig = z.infer<typeof SiteConfig>;
export type Topology = z.infer<typeof Topology>;
export type HostRole = z.infer<typeof HostRole>;
