import { describe, expect, it } from 'vitest';
import { isApplianceError } from '../errors.js';
import { assertNamesPermitted, dnsPermitted, ipPermitted, nameConstraintsDer, parseNameConstraints, permittedNamesFor } from './name-constraints.js';

const permitted = permittedNamesFor('Hospital-ERP.local', ['192.168.1.0/24', '192.168.10.0/24', '192.168.20.0/24', '192.168.100.0/24'], '192.168.1.10');

describe('name constraints', () => {
  it('permits the domain in both spellings and each segment plus the VIP', () => {
    expect(permitted).toEqual({
      dns: ['hospital-erp.local', '.hospital-erp.local'],
      ip: ['192.168.1.0/24', '192.168.10.0/24', '192.168.20.0/24', '192.168.100.0/24', '192.168.1.10/32'],
    });
  });

  it('encodes GeneralSubtrees as DER that parses back to the same names', () => {
    const der = nameConstraintsDer(permitted);
    // SEQUENCE { [0] { SEQUENCE { [2] "hospital-erp.local" } ... } }
    expect(der.charCodeAt(0)).toBe(0x30);
    expect(der).toContain('\u0082\u0012hospital-erp.local');
    // iPAddress [7] with 8 octets: 192.168.1.0 + 255.255.255.0
    expect(der).toContain('\u0087\u0008\u00c0\u00a8\u0001\u0000\u00ff\u00ff\u00ff\u0000');
    const back = parseNameConstraints(der);
    expect(back.dns).toEqual(permitted.dns);
    expect(back.ip).toEqual(permitted.ip);
    expect(back.excluded).toBe(false);
  });

  it('matches DNS names like RFC 5280 and IPs by subnet', () => {
    expect(dnsPermitted('hospital-erp.local', permitted)).toBe(true);
    expect(dnsPermitted('API.hospital-erp.local', permitted)).toBe(true);
    expect(dnsPermitted('a.b.hospital-erp.local', permitted)).toBe(true);
    expect(dnsPermitted('evilhospital-erp.local', permitted)).toBe(false);
    expect(dnsPermitted('hospital-erp.local.evil.com', permitted)).toBe(false);
    expect(dnsPermitted('www.google.com', permitted)).toBe(false);
    expect(ipPermitted('192.168.20.11', permitted)).toBe(true);
    expect(ipPermitted('192.168.2.1', permitted)).toBe(false);
    expect(ipPermitted('10.0.0.5', permitted)).toBe(false);
    expect(ipPermitted('::1', permitted)).toBe(false);
  });

  it('refuses names outside the constraints with VALIDATION naming each one', () => {
    let err: unknown;
    try {
      assertNamesPermitted('web', { dns: ['api.hospital-erp.local', 'www.google.com'], ip: ['192.168.1.10', '8.8.8.8'] }, permitted);
    } catch (e) {
      err = e;
    }
    expect(isApplianceError(err) && err.code).toBe('VALIDATION');
    expect((err as Error).message).toContain('DNS:www.google.com, IP:8.8.8.8');
    expect(() => assertNamesPermitted('web', { dns: ['hospital-erp.local'], ip: ['192.168.1.10'] }, permitted)).not.toThrow();
  });

  it('refuses to build an IP-unconstrained CA (no segments) or a bad CIDR', () => {
    expect(() => permittedNamesFor('x.local', [])).toThrow(/no segments/);
    expect(() => permittedNamesFor('x.local', ['192.168.1.0/33'])).toThrow(/not an IPv4 CIDR/);
  });
});
