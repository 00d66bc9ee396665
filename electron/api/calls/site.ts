import { z } from 'zod';
import { HostAuth, HostKeyFingerprint, HostName, HostRole, Topology } from '../../engine/site/schema.js';
import { call } from './define.js';

/** A site as the renderer may see it: never a password, passphrase or key content. */
export const SiteSummarySchema = z.object({
  dir: z.string(),
  name: z.string(),
  topology: Topology,
  domain: z.string(),
  hosts: z.array(
    z.object({
      name: z.string(),
      address: z.string(),
      port: z.number(),
      user: z.string(),
      role: z.string(),
      segment: z.string().optional(),
      auth: HostAuth,
      keyPath: z.string().optional(),
      hostKey: z.string().optional(),
      hasSecret: z.boolean().optional(),
    }),
  ),
  bundle: z.object({ path: z.string(), digest: z.string().optional() }).optional(),
  hasNetworkPlan: z.boolean(),
});

const Dir = z.string().min(1).max(4096);
/** Write-only: accepted from the renderer, stored encrypted, never returned. */
const Passphrase = z.string().min(1).max(1024);

const Check = z.object({ ok: z.boolean(), detail: z.string(), code: z.string().optional() });

export const TargetTestResultSchema = z.object({
  host: z.string(),
  address: z.string(),
  port: z.number(),
  ok: z.boolean(),
  reachable: Check.extend({ ms: z.number().optional() }),
  auth: Check.extend({ presentedHostKey: z.string().optional() }),
  sudo: Check.extend({ mode: z.string().optional() }),
  disk: Check.extend({
    mounts: z.array(z.object({ mount: z.string(), freeBytes: z.number(), totalBytes: z.number() })),
    neededBytes: z.number().optional(),
  }),
});

export const siteCalls = {
  'site.init': call({
    summary: 'Create a site folder with a new site passphrase (optionally filled from the practice lab).',
    input: z
      .object({
        dir: Dir,
        name: z.string().min(1).max(100),
        topology: Topology,
        domain: z.string().min(1).max(253).optional(),
        passphrase: Passphrase,
        fromLab: z.string().min(1).max(8).optional(),
      })
      .strict(),
    output: SiteSummarySchema,
  }),
  'site.open': call({
    summary: 'Open an existing site folder (validated; no secrets).',
    input: z.object({ dir: Dir }).strict(),
    output: SiteSummarySchema,
  }),
  'site.addHost': call({
    summary: 'Add or replace a host; its password / key passphrase are stored encrypted and never returned.',
    input: z
      .object({
        dir: Dir,
        // Absent when the site is unlocked in this window's session (site.unlock).
        passphrase: Passphrase.optional(),
        host: z
          .object({
            name: HostName,
            address: z.string().min(1).max(253),
            port: z.number().int().min(1).max(65535).default(22),
            user: z.string().min(1).max(64),
            role: HostRole.default('server'),
            segment: z.string().min(1).max(32).optional(),
            auth: HostAuth,
            keyPath: z.string().min(1).max(4096).optional(),
          })
          .strict(),
        password: z.string().min(1).max(1024).optional(),
        keyPassphrase: z.string().min(1).max(1024).optional(),
        replace: z.boolean().optional(),
      })
      .strict(),
    output: SiteSummarySchema,
  }),
  'site.hostKey.scan': call({
    summary: 'Connect to a host far enough to read its host key (nothing is run); compare with the pin.',
    input: z.object({ dir: Dir, host: HostName }).strict(),
    output: z.object({ host: z.string(), fingerprint: z.string(), keyType: z.string(), pinned: z.string().nullable(), matches: z.boolean() }),
  }),
  'site.hostKey.accept': call({
    summary: 'Pin a host key into site.yaml, only if it equals the one the host presents now.',
    input: z.object({ dir: Dir, host: HostName, fingerprint: HostKeyFingerprint, replace: z.boolean().optional() }).strict(),
    output: z.object({ host: z.string(), fingerprint: z.string(), changed: z.boolean() }),
  }),
  'targets.test': call({
    summary: 'On every host in parallel: TCP reachability, SSH login with the pinned host key, sudo, free disk.',
    input: z.object({ dir: Dir, passphrase: Passphrase.optional(), hosts: z.array(HostName).optional(), connectTimeoutMs: z.number().int().min(500).max(120_000).optional() }).strict(),
    output: z.object({ ok: z.boolean(), results: z.array(TargetTestResultSchema) }),
  }),
};
