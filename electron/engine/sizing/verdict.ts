import { z } from 'zod';
import { HardwareReport } from '../hardware/schema.js';
import { check, SizingCheck, worst } from './check.js';
import { evaluateCluster } from './cluster-checks.js';
import { evaluateHost } from './host-checks.js';
import type { SizingProfile } from './profile-schema.js';
import { loadProfiles, profileBanner } from './profiles.js';

export const Verdict = z.enum(['pass', 'warn', 'fail']);
export type Verdict = z.infer<typeof Verdict>;

export const HostSizing = z.object({
  host: z.string(),
  report: HardwareReport.nullable(),
  /** Why the host could not be probed; null when it was. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  checks: z.array(SizingCheck),
  verdict: Verdict,
});

export const SiteSizing = z.object({
  profile: z.object({
    name: z.string(),
    title: z.string(),
    production: z.boolean(),
    /** "profile: lab — NOT the production sizing" for relaxed profiles; null for production ones. */
    banner: z.string().nullable(),
  }),
  topology: z.enum(['single', 'k3s-3']),
  bundleBytes: z.number().nullable(),
  hosts: z.array(HostSizing),
  cluster: z.array(SizingCheck),
  /** The worst of every host and cluster check. */
  verdict: Verdict,
  /** Always shown (e.g. the large tier is out of scope). */
  notes: z.array(z.string()),
});
export type HostSizing = z.infer<typeof HostSizing>;
export type SiteSizing = z.infer<typeof SiteSizing>;

export interface SizeInput {
  profile: SizingProfile;
  topology: 'single' | 'k3s-3';
  hosts: { host: string; report: HardwareReport | null; error: { code: string; message: string } | null }[];
  bundleBytes?: number | null;
  /** Extra notes (default: the profiles file's notes). */
  notes?: string[];
}

/**
 * The sizing verdict for a site: every host judged against the profile, the cluster checks of
 * the topology, and the overall verdict (the worst of all). Pure: no I/O beyond the cached profiles.
 */
export function sizeSite(input: SizeInput): SiteSizing {
  const { profile, topology } = input;
  const hosts: HostSizing[] = input.hosts.map((h) => {
    const checks = h.report
      ? evaluateHost(h.report, profile, { bundleBytes: input.bundleBytes })
      : [check('probe', 'Hardware probe', 'fail', h.error?.message ?? 'not probed', 'a reachable host', probeRemediation(h.error?.code))];
    return { host: h.host, report: h.report, error: h.error, checks, verdict: worst(checks.map((c) => c.status)) };
  });
  const cluster = evaluateCluster(hosts, profile, topology);
  const verdict = worst([...hosts.flatMap((h) => h.checks.map((c) => c.status)), ...cluster.map((c) => c.status)]);
  const notes = [...(input.notes ?? loadProfiles().notes)];
  const banner = profileBanner(profile);
  return {
    profile: { name: profile.name, title: profile.title, production: profile.production, banner },
    topology,
    bundleBytes: input.bundleBytes ?? null,
    hosts,
    cluster,
    verdict,
    notes,
  };
}

/** What to do when a host could not be probed, by the kind of failure. */
function probeRemediation(code: string | undefined): string {
  switch (code) {
    case 'INTEGRITY':
      return "Do not continue: compare the host key with the server's console; re-pin it only if the server was really reinstalled.";
    case 'PERMISSION':
      return 'Check the SSH user and its key or password in the site (appliance site add-host --replace), then probe again.';
    case 'UNREACHABLE':
      return 'Check the address, the port and the network path to the server (appliance targets test), then probe again.';
    default:
      return 'Fix the connection (appliance targets test shows what fails) and probe again.';
  }
}
