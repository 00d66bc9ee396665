import { ApplianceError } from '../errors.js';
import { defaultSegments, validateSegment } from './segments.js';

/** What is installed on a node: see docs/lab.md "Profiles". */
export type NodeProfile = 'bare' | 'docker';
export const PROFILES: readonly NodeProfile[] = ['bare', 'docker'];
/** The one segment of today's lab; a segmented lab gives each node its own (DMZ, App, ...). */
export const DEFAULT_SEGMENT = 'lab';
/**
 * Default /data sizes. The image file is sparse, so the size is an upper bound, not disk used;
 * docker nodes keep their images there (vfs copies every layer), hence more room.
 */
export const DEFAULT_DATA_SIZE: Record<NodeProfile, string> = { bare: '4G', docker: '16G' };
const MIN_DATA_BYTES = 16 * 2 ** 20;
const MAX_DATA_BYTES = 2 ** 40;

/** Parses "512M", "2G", "1T" (binary units; a bare number is bytes) into bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw new ApplianceError('VALIDATION', `Invalid size "${text}": use a number with K, M, G or T, e.g. 2G.`);
  const mult = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const bytes = Math.floor(Number(m[1]) * mult);
  if (bytes < MIN_DATA_BYTES || bytes > MAX_DATA_BYTES) {
    throw new ApplianceError('VALIDATION', `Data size "${text}" is out of range: use 16M to 1T.`);
  }
  return bytes;
}

export function validateProfile(p: string): NodeProfile {
  if (!(PROFILES as readonly string[]).includes(p)) {
    throw new ApplianceError('VALIDATION', `Unknown node profile "${p}": use ${PROFILES.join(' or ')}.`);
  }
  return p as NodeProfile;
}

export interface NodeChoices {
  /** Profile of every node not named in nodeProfiles; default "bare". */
  profile?: NodeProfile;
  /** Per-node profile, by node name: { node1: 'docker' }. */
  nodeProfiles?: Record<string, NodeProfile>;
  /** /data size of every node not named in nodeDataSizes ("2G"); default by profile. */
  dataSize?: string;
  nodeDataSizes?: Record<string, string>;
  /** Four segments (DMZ, App, Data, Mgmt) behind a router instead of one bridge; see segments.ts. */
  segmented?: boolean;
  /** Per-node segment, by node name: { node1: 'dmz' }; implies segmented. */
  nodeSegments?: Record<string, string>;
}

export interface NodeSpec {
  profile: NodeProfile;
  segment: string;
  dataBytes: number;
}

/** One spec per node (node1..nodeN), with overrides checked against the node names. */
export function resolveNodeSpecs(count: number, c: NodeChoices = {}): NodeSpec[] {
  const names = new Set(Array.from({ length: count }, (_, i) => `node${i + 1}`));
  for (const n of [...Object.keys(c.nodeProfiles ?? {}), ...Object.keys(c.nodeDataSizes ?? {}), ...Object.keys(c.nodeSegments ?? {})]) {
    if (!names.has(n)) throw new ApplianceError('VALIDATION', `Node override for "${n}", but the lab has node1..node${count}.`);
  }
  const base = validateProfile(c.profile ?? 'bare');
  const segmented = isSegmented(c);
  const layout = defaultSegments(count);
  return [...names].map((name, i) => {
    const profile = validateProfile(c.nodeProfiles?.[name] ?? base);
    const size = c.nodeDataSizes?.[name] ?? c.dataSize ?? DEFAULT_DATA_SIZE[profile];
    const segment = segmented ? validateSegment(c.nodeSegments?.[name] ?? layout[i]!) : DEFAULT_SEGMENT;
    return { profile, segment, dataBytes: parseSize(size) };
  });
}

/** Whether the choices ask for a segmented lab (explicitly, or by giving a node a segment). */
export function isSegmented(c: NodeChoices): boolean {
  return !!c.segmented || Object.keys(c.nodeSegments ?? {}).length > 0;
}

/** Parses repeated CLI overrides "node1=docker" into { node1: 'docker' }. */
export function parseNodeOverrides(items: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const m = /^(node\d+)=(\S+)$/.exec(it);
    if (!m) throw new ApplianceError('VALIDATION', `Invalid ${what} "${it}": use NODE=VALUE, e.g. node1=docker.`);
    out[m[1]!] = m[2]!;
  }
  return out;
}
