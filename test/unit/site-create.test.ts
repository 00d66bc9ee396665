import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileExclusive } from '../../electron/engine/site/atomic-write.js';
import { initSiteWithSecrets } from '../../electron/engine/site/actions.js';
import { readSecrets, updateSecrets, writeSecrets } from '../../electron/engine/site/secrets.js';
import { initSite } from '../../electron/engine/site/store.js';

// Creating a site never replaces what an earlier site left behind (issue 8 item 4).
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'site-create-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const OLD = 'old site passphrase';
const NEW = 'new site passphrase';
const opts = { name: 'New Hospital', topology: 'single' } as const;

describe('site init in a folder an earlier site left', () => {
  it('refuses a folder that holds secrets.enc but no site.yaml, and leaves it byte-identical', async () => {
    const dir = join(root, 'site');
    await mkdir(dir);
    await writeSecrets(dir, OLD, { 'hosts.node1.password': 'old-host-password' });
    const before = await readFile(join(dir, 'secrets.enc'));
    await expect(initSiteWithSecrets(dir, opts, NEW)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/already holds secrets\.enc .*nothing was changed\. Move .*secrets\.enc away or choose another folder; to recover that site, restore its site\.yaml/),
    });
    expect(await readFile(join(dir, 'secrets.enc'))).toEqual(before);
    expect(await readdir(dir)).toEqual(['secrets.enc']);
    expect(await readSecrets(dir, OLD)).toEqual({ 'hosts.node1.password': 'old-host-password' });
    // initSite alone (no passphrase) refuses the same folder.
    await expect(initSite(dir, opts)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await readdir(dir)).toEqual(['secrets.enc']);
  });

  it('refuses a folder whose pki/ holds a CA key', async () => {
    const dir = join(root, 'site');
    await mkdir(join(dir, 'pki'), { recursive: true });
    await writeFile(join(dir, 'pki', 'ca.key'), 'encrypted CA key of an earlier site');
    await expect(initSiteWithSecrets(dir, opts, NEW)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already holds pki/') });
    expect(await readdir(dir)).toEqual(['pki']);
    expect(await readFile(join(dir, 'pki', 'ca.key'), 'utf8')).toBe('encrypted CA key of an earlier site');
  });

  it('of two creations at once exactly one wins; the other is refused and changes nothing', async () => {
    const dir = join(root, 'site');
    const results = await Promise.allSettled([initSiteWithSecrets(dir, { ...opts, name: 'A' }, 'passphrase A!'), initSiteWithSecrets(dir, { ...opts, name: 'B' }, 'passphrase B!')]);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(lost?.reason).toMatchObject({ code: 'CONFLICT' });
    // The winner's site.yaml and secrets.enc belong together.
    expect(await readFile(join(dir, 'site.yaml'), 'utf8')).toContain(`name: ${won === 0 ? 'A' : 'B'}`);
    expect(await readSecrets(dir, won === 0 ? 'passphrase A!' : 'passphrase B!')).toEqual({});
  });
});

describe('every writer of secrets.enc', () => {
  it('writeSecrets does not replace a file that does not open with its passphrase', async () => {
    await writeSecrets(root, OLD, { a: 'alpha-secret' });
    const before = await readFile(join(root, 'secrets.enc'));
    await expect(writeSecrets(root, NEW, {})).rejects.toMatchObject({ code: 'PERMISSION' });
    expect(await readFile(join(root, 'secrets.enc'))).toEqual(before);
    await writeSecrets(root, OLD, { b: 'beta-secret' }); // the owner may replace it
    expect(await readSecrets(root, OLD)).toEqual({ b: 'beta-secret' });
  });

  it('updateSecrets creates a missing file exclusively and keeps updates atomic', async () => {
    expect(await updateSecrets(root, OLD, { a: 'alpha-secret' })).toEqual({ a: 'alpha-secret' });
    expect(await updateSecrets(root, OLD, { b: 'beta-secret' })).toEqual({ a: 'alpha-secret', b: 'beta-secret' });
    expect((await readdir(root)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('createFileExclusive: of many creations at once one wins, and no temporary file is left', async () => {
    const target = join(root, 'file');
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => createFileExclusive(target, `writer ${i}\n`, 0o600)));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'EEXIST' });
    expect(await readFile(target, 'utf8')).toBe(`writer ${winners[0]}\n`);
    expect(await readdir(root)).toEqual(['file']);
  });
});
