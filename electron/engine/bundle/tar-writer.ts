import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ApplianceError } from '../errors.js';
import { CHUNK } from './byte-source.js';
import { blobPath, MANIFEST_FILE, SIGNATURE_FILE } from './paths.js';

export interface BlobSource {
  sha256: string;
  size: number;
  file: string;
  /** Used in messages when the file changed under the build. */
  label: string;
}

/**
 * Writes a bundle as one ustar/pax tar into `sink`: manifest.json first, then manifest.sig,
 * then the blobs in digest order. Every blob is re-hashed while it is written, so a source
 * that changed since it was hashed fails the build instead of producing a bad bundle.
 */
export async function writeBundleTar(
  sink: Writable,
  entries: { manifest: Buffer; signature: Buffer | null; blobs: BlobSource[]; mtime: Date },
  opts: { onBytes?: (n: number) => void; signal?: AbortSignal } = {},
): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, sink, { signal: opts.signal });
  const header = (name: string, size: number) => ({ name, size, mode: 0o644, mtime: entries.mtime, uid: 0, gid: 0, uname: '', gname: '', type: 'file' as const });
  const small = (name: string, data: Buffer) => new Promise<void>((res, rej) => pack.entry(header(name, data.length), data, (e) => (e ? rej(e) : res())));
  try {
    await small(MANIFEST_FILE, entries.manifest);
    if (entries.signature) await small(SIGNATURE_FILE, entries.signature);
    for (const b of [...entries.blobs].sort((x, y) => x.sha256.localeCompare(y.sha256))) {
      const h = createHash('sha256');
      await new Promise<void>((res, rej) => {
        const entry = pack.entry(header(blobPath(b.sha256), b.size), (e) => (e ? rej(e) : res()));
        const rs = createReadStream(b.file, { highWaterMark: CHUNK });
        rs.on('data', (c) => {
          h.update(c as Buffer);
          opts.onBytes?.((c as Buffer).length);
          if (!entry.write(c)) {
            rs.pause();
            entry.once('drain', () => rs.resume());
          }
        });
        rs.on('end', () => entry.end(() => {}));
        rs.on('error', rej);
        entry.on('error', rej);
      });
      const got = h.digest('hex');
      if (got !== b.sha256) throw new ApplianceError('INTEGRITY', `${b.label}: ${b.file} changed while the bundle was being written (SHA-256 ${got}, expected ${b.sha256}).`);
    }
    pack.finalize();
  } catch (e) {
    pack.destroy(e as Error);
    await done.catch(() => {});
    throw e;
  }
  await done;
}
