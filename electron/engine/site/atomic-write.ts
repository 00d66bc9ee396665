import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes and fsyncs a new temporary file beside `path`; returns its name. */
async function writeTemp(path: string, data: string | Uint8Array, mode: number): Promise<string> {
  const tmp = tempBeside(path);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  return tmp;
}

/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * a temporary file beside the target, fsync, then rename over the target. This REPLACES an
 * existing file: use it only to update a file the caller has read (createFileExclusive creates).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `path` with `data`, complete or not at all, and never replaces an existing file:
 * the temporary file is hard-linked to the target, which fails with EEXIST when the target
 * exists (rename would silently replace it). Throws that EEXIST error for the caller to word.
 * On file systems without hard links (FAT on a USB stick) it falls back to open(O_EXCL), which
 * is still exclusive but may leave a partial file if the machine dies mid-write.
 */
export async function createFileExclusive(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await link(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    const fh = await open(path, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } finally {
    await rm(tmp, { force: true });
  }
}
