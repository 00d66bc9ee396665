import type { X509Certificate } from 'node:crypto';

/** SAN names of a certificate from Node's X509Certificate (e.g. "DNS:a.local, IP Address:192.168.1.10"). */
export function subjectAltNames(cert: X509Certificate): { dns: string[]; ip: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4).toLowerCase());
    else if (part.startsWith('IP Address:')) ip.push(part.slice(11));
  }
  return { dns: dns.sort(), ip: ip.sort() };
}

export function daysLeft(cert: X509Certificate, now: Date): number {
  return Math.floor((Date.parse(cert.validTo) - now.getTime()) / 86_400_000);
}

/** Serial as lowercase hex without leading zeros, like openssl's. */
export function serialOf(cert: X509Certificate): string {
  return cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
}

/** One-line subject, e.g. "CN=api.hospital-erp.local, O=St Example". */
export function subjectLine(cert: X509Certificate): string {
  return cert.subject.split('\n').join(', ');
}

export function isoDate(text: string): string {
  return new Date(Date.parse(text)).toISOString();
}
