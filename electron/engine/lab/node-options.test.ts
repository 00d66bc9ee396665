import { describe, expect, it } from 'vitest';
import { parseNodeOverrides, parseSize, resolveNodeSpecs } from './node-options.js';

describe('lab node options', () => {
  it('parses sizes with binary units and rejects nonsense', () => {
    expect(parseSize('2G')).toBe(2 * 2 ** 30);
    expect(parseSize('512M')).toBe(512 * 2 ** 20);
    expect(parseSize('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(() => parseSize('2X')).toThrow(/Invalid size/);
    expect(() => parseSize('1K')).toThrow(/out of range/);
  });

  it('gives every node a profile, the "lab" segment and a data size, with per-node overrides', () => {
    const specs = resolveNodeSpecs(3, { nodeProfiles: { node1: 'docker' }, dataSize: '1G', nodeDataSizes: { node3: '64M' } });
    expect(specs).toEqual([
      { profile: 'docker', segment: 'lab', dataBytes: 2 ** 30 },
      { profile: 'bare', segment: 'lab', dataBytes: 2 ** 30 },
      { profile: 'bare', segment: 'lab', dataBytes: 64 * 2 ** 20 },
    ]);
    expect(resolveNodeSpecs(1)[0]).toEqual({ profile: 'bare', segment: 'lab', dataBytes: 4 * 2 ** 30 });
    expect(() => resolveNodeSpecs(2, { nodeProfiles: { node3: 'docker' } })).toThrow(/node1..node2/);
    expect(() => resolveNodeSpecs(1, { profile: 'k3s' as never })).toThrow(/Unknown node profile/);
  });

  it('parses NODE=VALUE overrides', () => {
    expect(parseNodeOverrides(['node1=docker', 'node2=bare'], '--node-profile')).toEqual({ node1: 'docker', node2: 'bare' });
    expect(() => parseNodeOverrides(['node1:docker'], '--node-profile')).toThrow(/NODE=VALUE/);
  });
});
