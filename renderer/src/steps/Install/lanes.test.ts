import { describe, expect, it } from 'vitest';
import { buildLanes, byPhase, laneState, timeLeftSeconds } from './lanes.js';

const planned = [
  { host: 'node1', id: 'docker.install', title: 'Install Docker', phase: 'install' as const, outcome: 'changed' as const, action: 'apply' as const, reason: 'docker missing' },
  { host: 'node1', id: 'images.stage', title: 'Stage images', phase: 'stage' as const, outcome: 'changed' as const, action: 'apply' as const, reason: 'missing' },
  { host: 'node2', id: 'images.stage', title: 'Stage images', phase: 'stage' as const, outcome: 'ok' as const, action: 'none' as const, reason: 'present' },
];

describe('install lanes', () => {
  it('maps runner states and outcomes to what a lane shows', () => {
    expect(laneState({ state: 'running' })).toBe('running');
    expect(laneState({ state: 'done', outcome: 'changed' })).toBe('changed');
    expect(laneState({ state: 'done' })).toBe('ok');
    expect(laneState({ state: 'skipped', outcome: 'blocked' })).toBe('blocked');
    expect(laneState({ state: 'pending' })).toBe('pending');
  });

  it('one lane per host, planned steps in phase order, overlaid with events; progress and logs by host', () => {
    const lanes = buildLanes({
      planned,
      events: {
        'node1/images.stage': { type: 'step', task: 't', step: 'images.stage', host: 'node1', state: 'done', outcome: 'changed', phase: 'stage' },
        'node1/docker.install': { type: 'step', task: 't', step: 'docker.install', host: 'node1', state: 'running', phase: 'install' },
        'node2/images.stage': { type: 'step', task: 't', step: 'images.stage', host: 'node2', state: 'failed', outcome: 'failed', error: 'no space' },
      },
      progress: {
        install: { type: 'progress', task: 't', label: 'install', done: 1, total: 3, unit: 'steps' },
        'upload node1': { type: 'progress', task: 't', label: 'upload node1', done: 5, total: 10, unit: 'bytes' },
        'upload node10': { type: 'progress', task: 't', label: 'upload node10', done: 5, total: 10, unit: 'bytes' },
      },
      logs: [
        { type: 'log', task: 't', host: 'node1', stream: 'stdout', line: 'a' },
        { type: 'log', task: 't', host: 'node2', stream: 'stderr', line: 'b' },
      ],
    });
    expect(lanes.map((l) => l.host)).toEqual(['node1', 'node2']);
    expect(lanes[0]!.steps.map((s) => [s.id, s.state])).toEqual([
      ['images.stage', 'changed'],
      ['docker.install', 'running'],
    ]);
    expect(lanes[0]!.progress.map((p) => p.label)).toEqual(['upload node1']);
    expect(lanes[0]!.logs.map((l) => l.line)).toEqual(['a']);
    expect(lanes[1]!.steps[0]).toMatchObject({ state: 'failed', error: 'no space' });
    expect(lanes[1]!.counts.failed).toBe(1);
  });

  it('a run without a preview builds its lanes from events alone', () => {
    const lanes = buildLanes({ hosts: ['node1'], events: { 'node1/preflight node1': { type: 'step', task: 't', step: 'preflight node1', host: 'node1', state: 'running' } } });
    expect(lanes[0]!.steps).toEqual([{ id: 'preflight node1', title: 'preflight node1', phase: 'preflight', state: 'running' }]);
  });

  it('groups by phase in run order and estimates time left from finished steps', () => {
    expect(byPhase(planned).map(([p, s]) => [p, s.length])).toEqual([
      ['stage', 2],
      ['install', 1],
    ]);
    expect(timeLeftSeconds(0, 10, 5000)).toBeNull();
    expect(timeLeftSeconds(2, 10, 10_000)).toBe(40);
    expect(timeLeftSeconds(10, 10, 10_000)).toBe(0);
  });
});
