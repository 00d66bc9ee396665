import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format.js';

describe('format', () => {
  it('prints sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(25276502016)).toBe('23.5 GiB');
    expect(formatBytes(null)).toBe('–');
  });
  it('prints durations', () => {
    expect(formatDuration(4.2)).toBe('5 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(7260)).toBe('2 h 1 min');
    expect(formatDuration(839.5)).toBe('14 min 0 s');
    expect(formatDuration(59.5)).toBe('1 min 0 s');
  });
});
