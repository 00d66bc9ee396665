import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashJobs, MAIN_THREAD_ONLY_BYTES } from '../../electron/engine/bundle/hash-pool.js';

// The hashers (main thread plus worker threads) against node:crypto over the same bytes: odd
// sizes and segments spanning files (the main thread reads ahead into two alternating buffers).
let dir: string;
const files: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hash-pool-'));
  const sizes = { empty: 0, one: 1, odd: 3 * 1024 * 1024 + 7, big: MAIN_THREAD_ONLY_BYTES + 12345, mid: 5 * 1024 * 1024 - 1 };
  for (const [name, size] of Object.entries(sizes)) {
    files[name] = randomBytes(size);
    await writeFile(join(dir, name), files[name]!);
  }
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const whole = (name: string) => ({ file: join(dir, name), start: 0, length: files[name]!.length });

describe('hashJobs', () => {
  for (const concurrency of [1, 2, 3]) {
    it(`gives node:crypto's digest for every job, with ${concurrency} hasher(s), workers joining for large totals`, async () => {
      let reported = 0;
      const jobs = [
        { id: 'empty', segments: [whole('empty')] },
        { id: 'one', segments: [whole('one')] },
        { id: 'odd', segments: [whole('odd')] },
        { id: 'big', segments: [whole('big')] },
        { id: 'mid', segments: [whole('mid')] },
        // A blob split over two parts, starting and ending mid-file.
        { id: 'span', segments: [{ file: join(dir, 'odd'), start: 1000, length: files.odd!.length - 1000 }, { file: join(dir, 'mid'), start: 0, length: 2 * 1024 * 1024 + 3 }] },
      ];
      const results = await hashJobs(jobs, { concurrency, onBytes: (n) => (reported += n) });
      const byId = Object.fromEntries(results.map((r) => [r.id, r]));
      for (const name of ['empty', 'one', 'odd', 'big', 'mid']) expect(byId[name]).toEqual({ id: name, sha256: sha(files[name]!), bytes: files[name]!.length });
      const span = Buffer.concat([files.odd!.subarray(1000), files.mid!.subarray(0, 2 * 1024 * 1024 + 3)]);
      expect(byId.span).toEqual({ id: 'span', sha256: sha(span), bytes: span.length });
      expect(reported).toBe(jobs.reduce((n, j) => n + j.segments.reduce((m, s) => m + s.length, 0), 0));
    });
  }

  it('reports a missing or short file as that job\'s error, not a failure of the rest', async () => {
    const results = await hashJobs([
      { id: 'gone', segments: [{ file: join(dir, 'nope'), start: 0, length: 10 }] },
      { id: 'short', segments: [{ file: join(dir, 'one'), start: 0, length: 10 }] },
      { id: 'ok', segments: [whole('odd')] },
    ], { concurrency: 2 });
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId.gone).toMatchObject({ error: expect.stringMatching(/ENOENT/) });
    expect(byId.short).toMatchObject({ error: expect.stringMatching(/ended 9 bytes early/) });
    expect(byId.ok).toMatchObject({ sha256: sha(files.odd!) });
  });

  it('cancelling rejects with CANCELLED', async () => {
    const ac = new AbortController();
    const p = hashJobs([{ id: 'big', segments: [whole('big')] }, { id: 'mid', segments: [whole('mid')] }], { concurrency: 2, signal: ac.signal, onBytes: () => ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
