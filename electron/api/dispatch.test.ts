import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApplianceEvent } from '../engine/events/index.js';
import { ApplianceError } from '../engine/errors.js';
import { clearRegisteredSecrets, registerSecret } from '../engine/redact.js';
import { createDispatcher } from './dispatch.js';
import { handlers } from './handlers.js';

const paths = { resourcesDir: tmpdir(), dataDir: tmpdir() };
const noEvents = () => {};

describe('dispatcher (the one handler wrapper of both hosts)', () => {
  afterEach(() => clearRegisteredSecrets());

  it('runs a real call and returns its validated output', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const r = await d.dispatch('hardware.local', { task: 't1', input: {} }, noEvents);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const report = r.value as { cpu: { threads: number }; memory: { totalBytes: number } };
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(report.memory.totalBytes).toBe(memTotalKb * 1024);
  });

  it('answers wrong-typed input with a VALIDATION error naming the field', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const r = await d.dispatch('task.cancel', { task: 't2', input: { task: 42 } }, noEvents);
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    if (!r.ok) expect(r.error.message).toContain('task');
    const extra = await d.dispatch('hardware.local', { task: 't3', input: { x: 1 } }, noEvents);
    expect(extra).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const noEnvelope = await d.dispatch('hardware.local', 'not an envelope', noEvents);
    expect(noEnvelope).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('refuses methods outside the contract', async () => {
    const d = createDispatcher({ host: 'console', paths });
    const r = await d.dispatch('fs.readFile', { task: 't4', input: { path: '/etc/shadow' } }, noEvents);
    expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    const proto = await d.dispatch('__proto__', { task: 't5', input: {} }, noEvents);
    expect(proto).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('strips keys the contract does not declare, so a stray secret never reaches the renderer', async () => {
    const d = createDispatcher({
      host: 'console',
      paths,
      handlers: { ...handlers, 'task.cancel': async () => ({ cancelled: false, password: 'leak-me' }) } as never,
    });
    const r = await d.dispatch('task.cancel', { task: 't6', input: { task: 'x' } }, noEvents);
    expect(r).toEqual({ ok: true, value: { cancelled: false } });
  });

  it('turns engine errors into typed errors and redacts registered secrets from messages', async () => {
    registerSecret('S3cret-Passw0rd');
    const d = createDispatcher({
      host: 'console',
      paths,
      handlers: {
        ...handlers,
        'app.info': async () => {
          throw new ApplianceError('PERMISSION', 'sudo refused for password S3cret-Passw0rd');
        },
      } as never,
    });
    const r = await d.dispatch('app.info', { task: 't7', input: {} }, noEvents);
    expect(r).toMatchObject({ ok: false, error: { code: 'PERMISSION' } });
    if (!r.ok) expect(r.error.message).not.toContain('S3cret');
  });

  it('cancels a running task by id through task.cancel', async () => {
    const events: ApplianceEvent[] = [];
    const d = createDispatcher({
      host: 'console',
      paths,
      handlers: {
        ...handlers,
        'hardware.local': async (_: unknown, ctx: { signal: AbortSignal }) =>
          new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new ApplianceError('CANCELLED', 'Cancelled by the user.')))),
      } as never,
    });
    const running = d.dispatch('hardware.local', { task: 'long', input: {} }, (e) => events.push(e));
    const c = await d.dispatch('task.cancel', { task: 'c1', input: { task: 'long' } }, noEvents);
    expect(c).toEqual({ ok: true, value: { cancelled: true } });
    expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    const again = await d.dispatch('task.cancel', { task: 'c2', input: { task: 'long' } }, noEvents);
    expect(again).toEqual({ ok: true, value: { cancelled: false } });
  });

  it('a call reusing a running task id gets CONFLICT and leaves the task with the owner that started it', async () => {
    const signals: AbortSignal[] = [];
    const d = createDispatcher({
      host: 'console',
      paths,
      handlers: {
        ...handlers,
        'hardware.local': async (_: unknown, ctx: { signal: AbortSignal }) =>
          new Promise((_resolve, reject) => {
            signals.push(ctx.signal);
            ctx.signal.addEventListener('abort', () => reject(new ApplianceError('CANCELLED', 'Cancelled by the user.')));
          }),
      } as never,
    });
    const original = d.dispatch('hardware.local', { task: 'X', input: {} }, noEvents, 'window:1');
    for (const owner of ['window:1', 'window:2', undefined]) {
      expect(await d.dispatch('hardware.local', { task: 'X', input: {} }, noEvents, owner)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    }
    expect(d.cancelOwner('window:2')).toBe(0);
    expect(signals.map((s) => s.aborted)).toEqual([false]);
    expect(d.cancelOwner('window:1')).toBe(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(await original).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(d.cancelOwner('window:1')).toBe(0);
  });

  it('redacts error details and every event on the way out, whoever emitted them', async () => {
    registerSecret('Redis-Pa55-word');
    const events: ApplianceEvent[] = [];
    const d = createDispatcher({
      host: 'console',
      paths,
      handlers: {
        ...handlers,
        'app.info': async (_: unknown, ctx: { task: string; onEvent: (e: ApplianceEvent) => void }) => {
          ctx.onEvent({ type: 'log', task: ctx.task, stream: 'stderr', line: 'redis-cli -a Redis-Pa55-word ping: NOAUTH' });
          throw new ApplianceError('FAILED', 'redis check failed', { cause: 'AUTH Redis-Pa55-word rejected', password: 'x' });
        },
      } as never,
    });
    const r = await d.dispatch('app.info', { task: 't8', input: {} }, (e) => events.push(e));
    expect(JSON.stringify(events)).not.toContain('Redis-Pa55-word');
    expect(events[0]).toMatchObject({ type: 'log', line: 'redis-cli -a [REDACTED] ping: NOAUTH' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(JSON.stringify(r.error)).not.toContain('Redis-Pa55-word');
      expect(r.error.details).toEqual({ cause: 'AUTH [REDACTED] rejected', password: '[REDACTED]' });
    }
  });

  it('GUI calls never unlock a site from APPLIANCE_PASSPHRASE: the engineer must type it', async () => {
    const saved = process.env.APPLIANCE_PASSPHRASE;
    process.env.APPLIANCE_PASSPHRASE = 'env-passphrase-123';
    try {
      const d = createDispatcher({ host: 'console', paths });
      const r = await d.dispatch('pki.init', { task: 't9', input: { dir: tmpdir(), algorithm: 'rsa4096' } }, noEvents);
      expect(r).toMatchObject({ ok: false, error: { code: 'PERMISSION', message: expect.stringContaining('enter the site passphrase') } });
    } finally {
      if (saved === undefined) delete process.env.APPLIANCE_PASSPHRASE;
      else process.env.APPLIANCE_PASSPHRASE = saved;
    }
  });
});
