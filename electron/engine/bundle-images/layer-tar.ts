import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ApplianceError, throwIfAborted } from '../errors.js';
import type { LayerEntry } from './layer-entries.js';
import { writePackAtomically } from './atomic-pack.js';

/** A layer written to disk, with the two digests an image needs. */
export interface LayerBlob {
  /** The layer file (a tar, or a gzip of one). */
  file: string;
  /** sha256 of the uncompressed tar: the image config's rootfs.diff_ids entry. */
  diffId: string;
  /** sha256 of the file as stored. */
  digest: string;
  /** Size of the file as stored. */
  size: number;
  /** Size of the uncompressed tar. */
  tarSize: number;
  compressed: boolean;
}

export interface WriteLayerOptions {
  /** gzip the tar (docker load accepts compressed layers); default true. */
  gzip?: boolean;
  /** Seconds since the epoch stamped on every entry; default 0, so builds are reproducible. */
  mtime?: number;
  signal?: AbortSignal;
  /** Called with the number of content bytes added, for progress. */
  onBytes?: (n: number) => void;
}

/** A pass-through stream that hashes and counts what flows through it. */
export class HashTap extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  /** `sha256:<hex>`; call once, after the stream finished. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/**
 * Writes `entries` as one deterministic layer tar (optionally gzipped) to `outFile`: fixed
 * mtime, numeric owners without names, modes as collected. Written to a temp name and renamed,
 * so a cancelled build never leaves a half layer under the final name.
 */
export async function writeLayer(entries: readonly LayerEntry[], outFile: string, opts: WriteLayerOptions = {}): Promise<LayerBlob> {
  const gzip = opts.gzip ?? true;
  const mtime = new Date((opts.mtime ?? 0) * 1000);
  const rawTap = new HashTap();
  const fileTap = new HashTap();
  const stages: NodeJS.ReadWriteStream[] = [rawTap];
  if (gzip) stages.push(createGzip({ level: 6 }));
  stages.push(fileTap);
  await writePackAtomically(outFile, 'image layer', stages, async (pack, check) => {
    for (const e of entries) {
      throwIfAborted(opts.signal);
      check();
      await addEntry(pack, e, mtime, opts.onBytes);
    }
  });
  return { file: outFile, diffId: rawTap.digest(), digest: fileTap.digest(), size: fileTap.bytes, tarSize: rawTap.bytes, compressed: gzip };
}

function addEntry(pack: tar.Pack, e: LayerEntry, mtime: Date, onBytes?: (n: number) => void): Promise<void> {
  const header: Parameters<tar.Pack["entry"]>[0] = {
    name: e.type === 'directory' ? `${e.path}/` : e.path,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    uname: '',
    gname: '',
    mtime,
    type: e.type,
    size: e.type === 'file' ? e.size : 0,
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
  };
  return new Promise<void>((resolve, reject) => {
    if (e.type !== 'file' || e.size === 0) {
      // An explicit empty body: tar-stream waits for end() on a file entry without one.
      pack.entry(header, Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      return;
    }
    if (!e.source) {
      reject(new ApplianceError('INTERNAL', `Layer entry ${e.path} has no source file.`));
      return;
    }
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    const src = createReadStream(e.source, { highWaterMark: 1 << 20 });
    if (onBytes) src.on('data', (c: string | Buffer) => onBytes(c.length));
    src.on('error', (err) => {
      sink.destroy(err);
      reject(new ApplianceError('FAILED', `Could not read ${e.source} for the image layer: ${err.message}`));
    });
    src.pipe(sink);
  });
}
