import { describe, expect, it } from 'vitest';
import { resolveNodeSpecs } from './node-options.js';
import { defaultSegments, pickSegmentOctets, segmentAddresses } from './segments.js';

describe('segmented lab layout', () => {
  it('default segments: 7 nodes are 2 LB in DMZ, 3 K3s in App, 2 DB in Data; 3 nodes one per DMZ, App, Data', () => {
    expect(defaultSegments(7)).toEqual(['dmz', 'dmz', 'app', 'app', 'app', 'data', 'data']);
    expect(defaultSegments(3)).toEqual(['dmz', 'app', 'data']);
    expect(defaultSegments(1)).toEqual(['app']);
    expect(defaultSegments(2)).toEqual(['app', 'data']);
    expect(defaultSegments(5)).toEqual(['dmz', 'app', 'app', 'app', 'data']);
  });

  it('segment subnets are the next free 10.99.X.0/24 after the lab\'s own, wrapping after 250', () => {
    const nets = pickSegmentOctets(40, new Set([42]));
    expect(Object.fromEntries(Object.entries(nets).map(([k, v]) => [k, v.cidr]))).toEqual({ dmz: '10.99.41.0/24', app: '10.99.43.0/24', data: '10.99.44.0/24', mgmt: '10.99.45.0/24' });
    expect(nets.app.gateway).toBe('10.99.43.1');
    expect(pickSegmentOctets(249, new Set()).mgmt.octet).toBe(3);
  });

  it('node addresses count from .11 within each segment (.10 stays free for the VIP)', () => {
    const nets = pickSegmentOctets(10, new Set());
    expect(segmentAddresses(['dmz', 'app', 'app', 'data'], nets)).toEqual(['10.99.11.11', '10.99.12.11', '10.99.12.12', '10.99.13.11']);
  });

  it('--node-segment overrides one node and implies a segmented lab; unknown segments are refused', () => {
    expect(resolveNodeSpecs(3, { nodeSegments: { node1: 'mgmt' } }).map((s) => s.segment)).toEqual(['mgmt', 'app', 'data']);
    expect(resolveNodeSpecs(3, {}).map((s) => s.segment)).toEqual(['lab', 'lab', 'lab']);
    expect(() => resolveNodeSpecs(3, { nodeSegments: { node2: 'lan' } })).toThrow(/Unknown segment "lan"/);
    expect(() => resolveNodeSpecs(3, { nodeSegments: { node9: 'app' } })).toThrow(/node1..node3/);
  });
});
