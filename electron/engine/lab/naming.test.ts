import { describe, expect, it } from 'vitest';
import { labNames, nodeNames, pickSubnetOctet, preferredSubnetOctet, validateLabName, dockerRanges, MAX_NODES } from './naming.js';

describe('lab naming', () => {
  it('derives a stable octet in 1..250 from the name, distinct for the names tests use', () => {
    const names = ['lab', 'it', 'labt', 'dev1'];
    const octets = names.map(preferredSubnetOctet);
    expect(octets).toEqual(names.map(preferredSubnetOctet));
    for (const o of octets) expect(o >= 1 && o <= 250).toBe(true);
    expect(new Set(octets).size).toBe(names.length);
  });

  it('skips octets that are taken, wrapping after 250', () => {
    const first = preferredSubnetOctet('it');
    expect(pickSubnetOctet('it', new Set())).toBe(first);
    expect(pickSubnetOctet('it', new Set([first]))).toBe(first === 250 ? 1 : first + 1);
    expect(() => pickSubnetOctet('it', new Set(Array.from({ length: 250 }, (_, i) => i + 1)))).toThrow(/No free/);
  });

  it('keeps every interface name within 15 bytes for the longest name and node count', () => {
    const lab = labNames(validateLabName('abcdefgh'), '/var/lib/x');
    expect(lab.bridge.length).toBeLessThanOrEqual(15);
    expect(nodeNames(lab, MAX_NODES).vethHost.length).toBeLessThanOrEqual(15);
    expect(lab.routerVethHost.length).toBeLessThanOrEqual(15);
  });

  it('rejects names that would break interface names or paths', () => {
    for (const bad of ['', 'Lab', '1lab', 'abcdefghi', 'a-b', 'a b', '../x']) expect(() => validateLabName(bad)).toThrow(/Invalid lab name/);
  });

  it('gives each node docker ranges outside 10.0/16, 10.99/16 and 192.168/16, disjoint across nodes', () => {
    const prefixes: string[] = [];
    for (let i = 1; i <= MAX_NODES; i++) {
      const { bip, pool } = dockerRanges(i);
      expect(bip).toBe(`172.31.${i}.1/24`);
      expect(pool).toMatch(/^172\.(1[6-9]|2\d|30)\.0\.0\/16$/); // 172.31/16 is reserved for the bips
      prefixes.push(pool.split('.').slice(0, 2).join('.'));
    }
    expect(new Set(prefixes).size).toBe(MAX_NODES);
  });
});
