import type { Output } from '../../../../electron/api/contract.js';

/** The plan and its problems as the contract delivers them. */
export type Plan = NonNullable<Output<'network.load'>['plan']>;
export type Problem = Output<'network.validate'>['problems'][number];
export type SiteHosts = Output<'network.load'>['hosts'];
export type Topology = Output<'network.load'>['topology'];

export const SEGMENTS = ['dmz', 'app', 'data', 'mgmt'] as const;
export type SegmentName = (typeof SEGMENTS)[number];
export const SEGMENT_TITLE: Record<string, string> = { hospital: 'Hospital', dmz: 'DMZ', app: 'App', data: 'Data', mgmt: 'Mgmt' };

/** Problems whose path is exactly `path` (the field's own errors). */
export function problemsAt(problems: Problem[], path: string): Problem[] {
  return problems.filter((p) => p.path === path);
}

/** Problems at `path` or below it (a row's errors). */
export function problemsUnder(problems: Problem[], path: string): Problem[] {
  return problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
}

/** "80, 443, 2379-2380" -> [80, 443, "2379-2380"] (kept as typed when not a plain number; validation judges it). */
export function parsePortsText(text: string): (number | string)[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
