import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, verifyBundle } from '../../electron/engine/bundle/index.js';
import { type Fixture, makeFixture } from './bundle-support.js';

// `build --force` replaces only what is recognisably an earlier bundle output; anything else at
// --out is refused with CONFLICT naming it, and left exactly as it was.
const root = join(import.meta.dirname, '..', '..');
let f: Fixture;

beforeAll(async () => {
  f = await makeFixture({ bigBytes: 700 * 1024 });
});
afterAll(async () => f?.cleanup());

const build = (out: string, extra: { maxPartSize?: number } = {}) => buildBundle(f.specFile, { out, sign: f.key.privateKeyFile, force: true, ...extra });

/** Every file under `dir` with its content, to prove nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length)] = await readFile(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

/** Changes one source so the next build has a different manifest and one different blob. */
async function changeSource(text: string): Promise<void> {
  await writeFile(join(f.root, 'src', 'compose.yml'), `services: {} # ${text}\n`);
}

describe('bundle build --force', () => {
  it('refuses a folder of unrelated files, naming the folder and the file, and leaves it intact', async () => {
    const dir = join(f.root, 'documents');
    await mkdir(join(dir, 'photos'), { recursive: true });
    await writeFile(join(dir, 'notes.txt'), 'do not lose me\n');
    await writeFile(join(dir, 'photos', 'a.jpg'), 'jpeg');
    const before = await snapshot(dir);
    await expect(build(dir)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(new RegExp(`Refusing to replace ${dir} with --force: it has no manifest\\.json`)) });
    // A manifest.json beside unrelated files is not a bundle output either.
    await writeFile(join(dir, 'manifest.json'), '{}');
    await expect(build(dir)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/it holds "(notes\.txt|photos)", which a bundle never does/) });
    expect(await snapshot(dir)).toEqual({ ...before, '/manifest.json': '{}' });
    // Unrelated files hidden in blobs/ too.
    await mkdir(join(f.root, 'sneaky', 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(f.root, 'sneaky', 'manifest.json'), '{}');
    await writeFile(join(f.root, 'sneaky', 'blobs', 'sha256', 'thesis.docx'), 'years of work');
    await expect(build(join(f.root, 'sneaky'))).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/blobs\/sha256\/thesis\.docx, which is not a blob named by its digest/) });
    expect(await readFile(join(f.root, 'sneaky', 'blobs', 'sha256', 'thesis.docx'), 'utf8')).toBe('years of work');
  });

  it('refuses a symbolic link at --out and does not touch what it points to', async () => {
    const target = join(f.root, 'elsewhere');
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'x');
    await symlink(target, join(f.root, 'link-out'));
    await expect(build(join(f.root, 'link-out'))).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is a symbolic link/) });
    expect(await readdir(target)).toEqual(['keep.txt']);
  });

  it('replaces an earlier bundle folder', async () => {
    const out = join(f.root, 'bundle-dir');
    await changeSource('one');
    const first = await build(out);
    await changeSource('two');
    const second = await build(out);
    expect(second.manifestSha256).not.toBe(first.manifestSha256);
    const r = await verifyBundle(out, f.trust);
    expect(r.ok, r.problems[0]?.message).toBe(true); // no leftover blob of the first build (it would be an extra file)
  });

  it('.tar: refuses an unrelated file, replaces an earlier bundle tar', async () => {
    const other = join(f.root, 'backup.tar');
    await writeFile(other, 'not a tar at all, but precious');
    await expect(build(other)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/backup\.tar with --force: it is not a bundle tar/) });
    expect(await readFile(other, 'utf8')).toBe('not a tar at all, but precious');
    const out = join(f.root, 'b.tar');
    await changeSource('three');
    await build(out);
    await changeSource('four');
    const again = await build(out);
    const r = await verifyBundle(out, f.trust);
    expect(r.ok).toBe(true);
    expect(r.artifacts.find((a) => a.ref === 'compose/docker-compose.yml')?.sha256).toBe(again.artifacts.find((a) => a.ref === 'compose/docker-compose.yml')?.sha256);
  });

  it('split parts: refuses a part no .parts.json lists, replaces earlier parts (fewer parts now: the old extra ones go)', async () => {
    const dir = join(f.root, 'usb');
    await mkdir(dir);
    await writeFile(join(dir, 'x.tar.part-001'), 'someone else\'s file');
    await expect(build(join(dir, 'x.tar'), { maxPartSize: 256 * 1024 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/x\.tar\.part-001 with --force: there is no x\.parts\.json listing it/) });
    expect(await readFile(join(dir, 'x.tar.part-001'), 'utf8')).toBe('someone else\'s file');

    const out = join(f.root, 'split', 'y.tar');
    const many = await build(out, { maxPartSize: 128 * 1024 });
    expect(many.parts!.parts.length).toBeGreaterThan(3);
    const few = await build(out, { maxPartSize: 1024 * 1024 });
    expect((await readdir(join(f.root, 'split'))).sort()).toEqual(['y.parts.json', ...few.parts!.parts.map((p) => p.file)].sort());
    expect((await verifyBundle(few.out, f.trust)).ok).toBe(true);
    // A part the .parts.json does not list is not ours to delete.
    await writeFile(join(f.root, 'split', 'y.tar.part-009'), 'stray');
    await expect(build(out, { maxPartSize: 1024 * 1024 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/y\.tar\.part-009 .*y\.parts\.json does not list it/) });
  });

  it('the CLI refuses with a clear message and a non-zero exit, files intact', async () => {
    const dir = join(f.root, 'cli-docs');
    await mkdir(dir);
    await writeFile(join(dir, 'report.odt'), 'important');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'appliance.js'), 'bundle', 'build', f.specFile, '--out', dir, '--force'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Refusing to replace ${dir} with --force`));
    expect(await readdir(dir)).toEqual(['report.odt']);
  });
});
