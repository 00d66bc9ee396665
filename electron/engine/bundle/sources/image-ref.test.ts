import { describe, expect, it } from 'vitest';
import { parsePullSource } from './image-ref.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parsePullSource', () => {
  it('splits name:tag and a digest pin, keeping registry ports apart from tags', () => {
    expect(parsePullSource(`127.0.0.1:5000/demo/app:1.2@${D}`)).toEqual({ image: '127.0.0.1:5000/demo/app:1.2', repository: '127.0.0.1:5000/demo/app', pin: D });
    expect(parsePullSource('redis:7.4.2-alpine')).toEqual({ image: 'redis:7.4.2-alpine', repository: 'redis' });
    expect(parsePullSource('127.0.0.1:5000/demo/app')).toEqual({ image: '127.0.0.1:5000/demo/app:latest', repository: '127.0.0.1:5000/demo/app' });
  });

  it('refuses a malformed pin and a pin without a tag', () => {
    expect(parsePullSource('redis:7@sha256:1234')).toMatchObject({ problem: expect.stringContaining('64 lowercase hex') });
    expect(parsePullSource(`redis:7@SHA256:${'AB'.repeat(32)}`)).toHaveProperty('problem');
    expect(parsePullSource(`127.0.0.1:5000/demo/app@${D}`)).toMatchObject({ problem: expect.stringContaining('names no tag') });
    expect(parsePullSource('redis 7')).toHaveProperty('problem');
  });
});
