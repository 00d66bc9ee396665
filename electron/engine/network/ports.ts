import type { PortSpec } from './schema.js';

/** An inclusive port range; a single port has lo === hi. */
export interface PortRange {
  lo: number;
  hi: number;
}

/**
 * Parses one port spec: 443, "443" or "2379-2380". Returns a message (for validation) instead
 * of throwing, so every bad port in a plan is reported at once.
 */
export function parsePortSpec(spec: PortSpec): PortRange | { error: string } {
  const text = String(spec).trim();
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(text);
  if (!m) return { error: `"${text}" is not a port or a port range like 2379-2380` };
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  for (const p of [lo, hi]) if (p < 1 || p > 65535) return { error: `port ${p} is outside 1-65535` };
  if (hi < lo) return { error: `range ${text} runs backwards: did you mean ${hi}-${lo}?` };
  return { lo, hi };
}

/** Parses every spec, dropping invalid ones (validatePlan reports those). */
export function portRanges(specs: PortSpec[]): PortRange[] {
  const out: PortRange[] = [];
  for (const s of specs) {
    const r = parsePortSpec(s);
    if (!('error' in r)) out.push(r);
  }
  return out;
}

/** "80", "2379-2380" (nftables and display form). */
export function formatRange(r: PortRange, sep = '-'): string {
  return r.lo === r.hi ? String(r.lo) : `${r.lo}${sep}${r.hi}`;
}

export function rangeIncludes(ranges: PortRange[], port: number): boolean {
  return ranges.some((r) => port >= r.lo && port <= r.hi);
}
