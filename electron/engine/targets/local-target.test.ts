import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalTarget } from './local-target.js';
import type { AuditEntry } from './target.js';

const dir = mkdtempSync(join(tmpdir(), 'local-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalTarget', () => {
  it('runs argv without a shell, scripts with args, and audits without stdin', async () => {
    const audit: AuditEntry[] = [];
    const t = new LocalTarget({ audit: (e) => audit.push(e) });
    expect((await t.exec(['printf', '%s|', 'a b', '$HOME', ''])).stdout).toBe('a b|$HOME||');
    expect((await t.exec({ script: 'echo "$#:$1"', args: ['x y'] })).stdout).toBe('1:x y\n');
    expect((await t.exec(['cat'], { stdin: 'local-stdin-secret' })).stdout).toBe('local-stdin-secret');
    await expect(t.exec(['sh', '-c', 'echo nope >&2; exit 5'])).rejects.toMatchObject({ code: 'FAILED', message: 'command failed on local (exit 5): sh -c echo nope >&2; exit 5: nope' });
    expect((await t.exec(['false'], { allowFailure: true })).exitCode).toBe(1);
    expect(JSON.stringify(audit)).not.toContain('local-stdin-secret');
    expect(audit.map((a) => a.exitCode)).toEqual([0, 0, 0, 5, 1]);
  });

  it('upload: part file, resume, digest check, rename', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const src = join(dir, 'src.bin');
    writeFileSync(src, data);
    const sha = createHash('sha256').update(data).digest('hex');
    const t = new LocalTarget();
    writeFileSync(join(dir, '.dst.bin.part'), data.subarray(0, 1024 * 1024));
    const r = await t.upload(src, join(dir, 'dst.bin'));
    expect(r).toMatchObject({ resumedFrom: 1024 * 1024, sentBytes: data.length - 1024 * 1024, sha256: sha, alreadyPresent: false });
    expect(readFileSync(join(dir, 'dst.bin')).equals(data)).toBe(true);
    expect(existsSync(join(dir, '.dst.bin.part'))).toBe(false);
    // A part file that is not a prefix of the file: resumed, then caught by the digest.
    writeFileSync(join(dir, '.bad.bin.part'), randomBytes(1000));
    await expect(t.upload(src, join(dir, 'bad.bin'), { sha256: sha })).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect(existsSync(join(dir, '.bad.bin.part'))).toBe(false);
    // ... and the next attempt starts clean and succeeds.
    expect((await t.upload(src, join(dir, 'bad.bin'), { sha256: sha })).resumedFrom).toBe(0);
  });
});
