import type { z } from 'zod';
import type { ListeningPort } from './schema.js';

type Port = z.infer<typeof ListeningPort>;

/**
 * Parses `ss -tuln[p]` output: "Netid State Recv-Q Send-Q Local:Port Peer:Port [Process]".
 * Local addresses look like 0.0.0.0:22, [::]:22, *:68, 127.0.0.53%lo:53.
 */
export function parseSs(lines: string[]): Port[] {
  const ports: Port[] = [];
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || (f[0] !== 'tcp' && f[0] !== 'udp')) continue;
    const state = f[1];
    if (f[0] === 'tcp' && state !== 'LISTEN') continue;
    const local = splitHostPort(f[4]!);
    if (!local) continue;
    const users = line.match(/users:\(\("([^"]+)"/);
    ports.push({ protocol: f[0], address: local.address, port: local.port, process: users?.[1] ?? null });
  }
  return dedupe(ports);
}

function splitHostPort(s: string): { address: string; port: number } | null {
  const cut = s.lastIndexOf(':');
  if (cut < 0) return null;
  const port = Number(s.slice(cut + 1));
  if (!Number.isInteger(port)) return null;
  const address = s
    .slice(0, cut)
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  return { address, port };
}

/**
 * Parses /proc/net/{tcp,tcp6,udp,udp6}: the fallback when ss is missing. Addresses are hex in
 * host byte order (little-endian on x86 and arm64), 32-bit words for IPv6; no process names.
 */
export function parseProcNet(lines: string[], protocol: 'tcp' | 'udp', v6: boolean): Port[] {
  const ports: Port[] = [];
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+:$/.test(f[0]!)) continue;
    const [addrHex, portHex] = f[1]!.split(':');
    const state = f[3];
    // tcp: 0A = LISTEN; udp: 07 = unconnected (a bound socket waiting for datagrams).
    if (protocol === 'tcp' && state !== '0A') continue;
    if (protocol === 'udp' && state !== '07') continue;
    if (!addrHex || !portHex) continue;
    ports.push({ protocol, address: v6 ? hexToIpv6(addrHex) : hexToIpv4(addrHex), port: parseInt(portHex, 16), process: null });
  }
  return ports;
}

function hexToIpv4(hex: string): string {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.reverse().join('.');
}

function hexToIpv6(hex: string): string {
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    // Each 32-bit word is little-endian: reverse its bytes.
    const b = [6, 4, 2, 0].map((i) => word.slice(i, i + 2)).join('');
    groups.push(b.slice(0, 4), b.slice(4, 8));
  }
  return compressIpv6(groups.map((g) => parseInt(g, 16).toString(16)));
}

function compressIpv6(groups: string[]): string {
  // Replace the longest run of zero groups with "::" (RFC 5952).
  let best = { start: -1, len: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.len).join(':');
  return `${head}::${tail}`;
}

function dedupe(ports: Port[]): Port[] {
  const seen = new Set<string>();
  return ports.filter((p) => {
    const k = `${p.protocol} ${p.address} ${p.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
