import forge from 'node-forge';
import { ApplianceError } from '../errors.js';
import { containsIp, formatIp, maskOf, parseCidr, parseIp } from '../network/ipv4.js';

const { asn1 } = forge;
const CTX = asn1.Class.CONTEXT_SPECIFIC;
const UNI = asn1.Class.UNIVERSAL;

/** id-ce-nameConstraints. node-forge can read it but has no writer, so the DER is built here. */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

/** What the site CA may sign for: DNS subtrees and IPv4 subtrees (network/prefix). */
export interface PermittedNames {
  /** e.g. ["hospital-erp.local", ".hospital-erp.local"]. */
  dns: string[];
  /** e.g. ["192.168.1.0/24", "192.168.1.10/32"]. */
  ip: string[];
}

/**
 * The permitted subtrees for a site: the domain in both spellings (RFC 5280 reads
 * "example.local" as the domain and everything under it; some older verifiers only honour the
 * leading-dot form for subdomains), and each segment CIDR plus the VIP as IP subtrees.
 * Because the IP list is never empty, IPv6 and any other IPv4 address are outside it.
 */
export function permittedNamesFor(domain: string, cidrs: string[], vip?: string): PermittedNames {
  const d = domain.toLowerCase().replace(/^\.+/, '');
  const ip: string[] = [];
  for (const text of [...cidrs, ...(vip ? [`${vip}/32`] : [])]) {
    const c = parseCidr(text);
    if (!c) throw new ApplianceError('VALIDATION', `Network plan: "${text}" is not an IPv4 CIDR, so the CA cannot be limited to it.`);
    const norm = `${formatIp(c.network)}/${c.prefix}`;
    if (!ip.includes(norm)) ip.push(norm);
  }
  if (ip.length === 0) {
    // An empty IP list would leave IP names unconstrained (RFC 5280 only limits name types it lists).
    throw new ApplianceError('VALIDATION', 'The network plan has no segments: the CA needs them to limit which IP addresses it may sign. Plan the network first.');
  }
  return { dns: [d, `.${d}`], ip };
}

function ipOctets(n: number): string {
  return String.fromCharCode(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/** DER of NameConstraints { permittedSubtrees [0] GeneralSubtrees } (RFC 5280 4.2.1.10). */
export function nameConstraintsDer(names: PermittedNames): string {
  const subtrees: forge.asn1.Asn1[] = [];
  for (const d of names.dns) {
    // GeneralSubtree ::= SEQUENCE { base GeneralName (dNSName [2] IA5String, implicit) }
    subtrees.push(asn1.create(UNI, asn1.Type.SEQUENCE, true, [asn1.create(CTX, 2, false, d)]));
  }
  for (const text of names.ip) {
    const c = parseCidr(text);
    if (!c) throw new ApplianceError('INTERNAL', `Bad CIDR in name constraints: ${text}`);
    // iPAddress [7] OCTET STRING: address then mask, 8 octets for IPv4.
    subtrees.push(asn1.create(UNI, asn1.Type.SEQUENCE, true, [asn1.create(CTX, 7, false, ipOctets(c.network) + ipOctets(maskOf(c.prefix)))]));
  }
  const value = asn1.create(UNI, asn1.Type.SEQUENCE, true, [asn1.create(CTX, 0, true, subtrees)]);
  return asn1.toDer(value).getBytes();
}

/** Reads the permitted subtrees back from the extension's DER value (the inverse of nameConstraintsDer). */
export function parseNameConstraints(der: string): PermittedNames & { excluded: boolean; other: string[] } {
  const out: PermittedNames & { excluded: boolean; other: string[] } = { dns: [], ip: [], excluded: false, other: [] };
  const root = asn1.fromDer(der);
  for (const trees of root.value as forge.asn1.Asn1[]) {
    if (trees.type === 1) {
      out.excluded = true;
      continue;
    }
    for (const subtree of trees.value as forge.asn1.Asn1[]) {
      const base = (subtree.value as forge.asn1.Asn1[])[0];
      if (!base) continue;
      if (base.type === 2) out.dns.push(base.value as string);
      else if (base.type === 7 && (base.value as string).length === 8) {
        const b = base.value as string;
        const n = (i: number) => ((b.charCodeAt(i) << 24) >>> 0) + (b.charCodeAt(i + 1) << 16) + (b.charCodeAt(i + 2) << 8) + b.charCodeAt(i + 3);
        out.ip.push(`${formatIp(n(0))}/${prefixOfMask(n(4))}`);
      } else out.other.push(`GeneralName [${base.type}]`);
    }
  }
  return out;
}

function prefixOfMask(mask: number): number {
  let p = 0;
  while (p < 32 && mask >= 2 ** 31) {
    p++;
    mask = (mask * 2) % 2 ** 32;
  }
  return p;
}

/** RFC 5280 dNSName matching: "a.b" permits "a.b" and "x.a.b"; ".a.b" permits only "x.a.b". */
export function dnsPermitted(name: string, constraints: PermittedNames): boolean {
  const n = name.toLowerCase();
  return constraints.dns.some((c) => {
    const base = c.toLowerCase();
    if (base.startsWith('.')) return n.endsWith(base) && n.length > base.length;
    return n === base || n.endsWith(`.${base}`);
  });
}

export function ipPermitted(ip: string, constraints: PermittedNames): boolean {
  const n = parseIp(ip);
  if (n === null) return false;
  return constraints.ip.some((text) => {
    const c = parseCidr(text);
    return c !== null && containsIp(c, n);
  });
}

/**
 * Refuses, before anything is signed, names the CA's own name constraints would make every
 * verifier reject. Throws VALIDATION listing each offending name.
 */
export function assertNamesPermitted(certName: string, names: { dns: string[]; ip: string[] }, constraints: PermittedNames): void {
  const bad = [
    ...names.dns.filter((d) => !dnsPermitted(d, constraints)).map((d) => `DNS:${d}`),
    ...names.ip.filter((ip) => !ipPermitted(ip, constraints)).map((ip) => `IP:${ip}`),
  ];
  if (bad.length) {
    throw new ApplianceError(
      'VALIDATION',
      `Refused to issue "${certName}": ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} outside what the site CA may sign (${[...constraints.dns.filter((d) => !d.startsWith('.')), ...constraints.ip].join(', ')}). Clients would reject such a certificate.`,
      { certificate: certName, refused: bad, permitted: constraints },
    );
  }
}
