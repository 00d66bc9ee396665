/**
 * IPv4 arithmetic for the network plan: parse addresses and CIDRs, containment, overlap,
 * broadcast and usable host range. Addresses are unsigned 32-bit numbers (0..2^32-1); kept
 * in plain numbers (not bitwise results, which are signed in JS) so comparisons just work.
 */

export interface Cidr {
  /** The address as written (may have host bits set). */
  address: number;
  prefix: number;
  /** address with the host bits cleared. */
  network: number;
}

const TWO_32 = 2 ** 32;

/** Parses a dotted quad ("192.168.1.10") strictly: four decimal octets 0-255, no leading zeros. */
export function parseIp(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    // Leading zeros are refused: "010" means octal to some tools and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Formats a 32-bit number as a dotted quad. */
export function formatIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The netmask as a number, e.g. prefix 24 -> 255.255.255.0. */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : TWO_32 - 2 ** (32 - prefix);
}

/** Number of addresses in a prefix (including network and broadcast). */
export function sizeOf(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Parses "a.b.c.d/p"; returns null on any syntax error. Host bits are allowed here (see hasHostBits). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !/^(0|[1-9][0-9]?)$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > 32) return null;
  const network = address - (address % sizeOf(prefix));
  return { address, prefix, network };
}

export function hasHostBits(cidr: Cidr): boolean {
  return cidr.address !== cidr.network;
}

export function formatCidr(cidr: Pick<Cidr, 'network' | 'prefix'>): string {
  return `${formatIp(cidr.network)}/${cidr.prefix}`;
}

/** Last address of the block (the broadcast address for prefixes up to /30). */
export function broadcastOf(cidr: Pick<Cidr, 'network' | 'prefix'>): number {
  return cidr.network + sizeOf(cidr.prefix) - 1;
}

/**
 * First and last usable host addresses. /31 (RFC 3021, point-to-point) and /32 use every
 * address; wider blocks exclude the network and broadcast addresses.
 */
export function hostRange(cidr: Pick<Cidr, 'network' | 'prefix'>): { first: number; last: number; count: number } {
  if (cidr.prefix >= 31) {
    const last = broadcastOf(cidr);
    return { first: cidr.network, last, count: last - cidr.network + 1 };
  }
  const first = cidr.network + 1;
  const last = broadcastOf(cidr) - 1;
  return { first, last, count: last - first + 1 };
}

export function containsIp(cidr: Pick<Cidr, 'network' | 'prefix'>, ip: number): boolean {
  return ip >= cidr.network && ip <= broadcastOf(cidr);
}

/** The overlapping part of two blocks, or null. (CIDR blocks either nest or are disjoint.) */
export function overlapOf(a: Pick<Cidr, 'network' | 'prefix'>, b: Pick<Cidr, 'network' | 'prefix'>): { network: number; prefix: number } | null {
  const start = Math.max(a.network, b.network);
  const end = Math.min(broadcastOf(a), broadcastOf(b));
  if (start > end) return null;
  // The smaller block is the overlap, because aligned blocks nest.
  const prefix = Math.max(a.prefix, b.prefix);
  return { network: start, prefix };
}

/** Address `offset` positions into the block (offset 10 of 192.168.1.0/24 -> 192.168.1.10). */
export function addressAt(cidr: Pick<Cidr, 'network' | 'prefix'>, offset: number): number {
  return cidr.network + offset;
}
