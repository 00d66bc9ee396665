import { describe, expect, it } from 'vitest';
import {
  addressAt,
  broadcastOf,
  containsIp,
  formatCidr,
  formatIp,
  hasHostBits,
  hostRange,
  maskOf,
  overlapOf,
  parseCidr,
  parseIp,
} from './ipv4.js';

const cidr = (t: string) => {
  const c = parseCidr(t);
  if (!c) throw new Error(`bad test cidr ${t}`);
  return c;
};

describe('parseIp / formatIp', () => {
  it('parses the corners', () => {
    expect(parseIp('0.0.0.0')).toBe(0);
    expect(parseIp('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(parseIp('192.168.1.10')).toBe(((192 * 256 + 168) * 256 + 1) * 256 + 10);
    expect(parseIp('10.0.0.1')).toBe(167772161);
  });
  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', 'a.b.c.d', '1..2.3', '1.2.3.1000', '1e2.1.1.1', '0x1.1.1.1'])(
    'rejects %j',
    (t) => expect(parseIp(t)).toBeNull(),
  );
  it('round-trips every octet value in every position', () => {
    for (let pos = 0; pos < 4; pos++) {
      for (let v = 0; v < 256; v++) {
        const octets = [1, 2, 3, 4];
        octets[pos] = v;
        const text = octets.join('.');
        const n = parseIp(text);
        expect(n).not.toBeNull();
        expect(formatIp(n!)).toBe(text);
      }
    }
  });
  it('formats high addresses without sign trouble', () => {
    expect(formatIp(2 ** 32 - 1)).toBe('255.255.255.255');
    expect(formatIp(parseIp('200.1.2.3')!)).toBe('200.1.2.3');
  });
});

describe('parseCidr', () => {
  it('parses and computes the network', () => {
    expect(cidr('192.168.1.0/24')).toEqual({ address: parseIp('192.168.1.0'), prefix: 24, network: parseIp('192.168.1.0') });
    expect(cidr('192.168.1.5/24').network).toBe(parseIp('192.168.1.0'));
    expect(cidr('0.0.0.0/0').network).toBe(0);
    expect(cidr('255.255.255.255/32').network).toBe(2 ** 32 - 1);
    expect(cidr('200.200.200.200/1').network).toBe(2 ** 31);
  });
  it.each(['192.168.1.0', '192.168.1.0/', '192.168.1.0/33', '192.168.1.0/-1', '192.168.1.0/024', '192.168.1.0/24/1', '300.1.1.0/24', '/24', '192.168.1.0/2 4'])(
    'rejects %j',
    (t) => expect(parseCidr(t)).toBeNull(),
  );
  it('detects host bits for every prefix', () => {
    for (let p = 0; p <= 32; p++) {
      const base = `0.0.0.0/${p}`;
      expect(hasHostBits(cidr(base))).toBe(false);
      // 10.255.255.255 keeps host bits for every prefix shorter than 32.
      const c = cidr(`10.255.255.255/${p}`);
      expect(hasHostBits(c)).toBe(p < 32);
      expect(hasHostBits(cidr(`192.168.0.0/${p}`))).toBe(p < 13);
    }
    expect(hasHostBits(cidr('192.168.1.5/24'))).toBe(true);
    expect(formatCidr(cidr('192.168.1.5/24'))).toBe('192.168.1.0/24');
  });
});

describe('mask, broadcast, host range', () => {
  it('computes masks for every prefix', () => {
    expect(formatIp(maskOf(0))).toBe('0.0.0.0');
    expect(formatIp(maskOf(8))).toBe('255.0.0.0');
    expect(formatIp(maskOf(24))).toBe('255.255.255.0');
    expect(formatIp(maskOf(25))).toBe('255.255.255.128');
    expect(formatIp(maskOf(32))).toBe('255.255.255.255');
    for (let p = 1; p <= 32; p++) expect(maskOf(p) - maskOf(p - 1)).toBe(2 ** (32 - p));
  });
  it('computes broadcast and hosts', () => {
    const c = cidr('192.168.1.0/24');
    expect(formatIp(broadcastOf(c))).toBe('192.168.1.255');
    expect(hostRange(c)).toEqual({ first: parseIp('192.168.1.1'), last: parseIp('192.168.1.254'), count: 254 });
    expect(hostRange(cidr('10.0.0.0/30')).count).toBe(2);
    expect(hostRange(cidr('10.0.0.0/31'))).toEqual({ first: parseIp('10.0.0.0'), last: parseIp('10.0.0.1'), count: 2 });
    expect(hostRange(cidr('10.0.0.7/32'))).toEqual({ first: parseIp('10.0.0.7'), last: parseIp('10.0.0.7'), count: 1 });
    expect(formatIp(broadcastOf(cidr('0.0.0.0/0')))).toBe('255.255.255.255');
    for (let p = 0; p <= 30; p++) expect(hostRange(cidr(`10.0.0.0/${p}`)).count).toBe(2 ** (32 - p) - 2);
  });
  it('contains', () => {
    const c = cidr('192.168.10.0/24');
    expect(containsIp(c, parseIp('192.168.10.0')!)).toBe(true);
    expect(containsIp(c, parseIp('192.168.10.255')!)).toBe(true);
    expect(containsIp(c, parseIp('192.168.11.0')!)).toBe(false);
    expect(containsIp(c, parseIp('192.168.9.255')!)).toBe(false);
    expect(containsIp(cidr('0.0.0.0/0'), parseIp('255.255.255.255')!)).toBe(true);
    expect(formatIp(addressAt(c, 10))).toBe('192.168.10.10');
  });
});

describe('overlapOf', () => {
  it('finds nested blocks and names the smaller', () => {
    const o = overlapOf(cidr('10.0.0.0/16'), cidr('10.0.5.0/24'));
    expect(o && formatCidr(o)).toBe('10.0.5.0/24');
    const r = overlapOf(cidr('10.0.5.0/24'), cidr('10.0.0.0/16'));
    expect(r && formatCidr(r)).toBe('10.0.5.0/24');
  });
  it('returns null for adjacent and disjoint blocks', () => {
    expect(overlapOf(cidr('192.168.1.0/24'), cidr('192.168.2.0/24'))).toBeNull();
    expect(overlapOf(cidr('192.168.0.0/24'), cidr('192.168.1.0/24'))).toBeNull();
    expect(overlapOf(cidr('10.0.0.0/8'), cidr('11.0.0.0/8'))).toBeNull();
  });
  it('agrees with a brute-force check over all /26../30 pairs in a /24', () => {
    const blocks: ReturnType<typeof cidr>[] = [];
    for (let p = 26; p <= 30; p++) for (let off = 0; off < 256; off += 2 ** (32 - p)) blocks.push(cidr(`172.16.0.${off}/${p}`));
    for (const a of blocks) {
      for (const b of blocks) {
        let shared = 0;
        for (let ip = a.network; ip <= broadcastOf(a); ip++) if (containsIp(b, ip)) shared++;
        const o = overlapOf(a, b);
        expect(o === null).toBe(shared === 0);
        if (o) expect(2 ** (32 - o.prefix)).toBe(shared);
      }
    }
  });
  it('identical blocks overlap entirely', () => {
    const o = overlapOf(cidr('192.168.20.0/24'), cidr('192.168.20.0/24'));
    expect(o && formatCidr(o)).toBe('192.168.20.0/24');
  });
});
