import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHUNK } from '../byte-source.js';

export interface Digest {
  sha256: string;
  size: number;
}

/** A pass-through that hashes and counts what flows through it. */
export function hashTap(onBytes?: (n: number) => void) {
  const h = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      size += chunk.length;
      onBytes?.(chunk.length);
      cb(null, chunk);
    },
  });
  return { stream, digest: (): Digest => ({ sha256: h.digest('hex'), size }) };
}

/** Streams `input` into `dest` (created 0644) while hashing it. */
export async function writeHashed(input: Readable, dest: string, opts: { onBytes?: (n: number) => void; signal?: AbortSignal } = {}): Promise<Digest> {
  const tap = hashTap(opts.onBytes);
  await pipeline(input, tap.stream, createWriteStream(dest, { mode: 0o644, highWaterMark: CHUNK }), { signal: opts.signal });
  return tap.digest();
}

/** SHA-256 and size of a file, streamed. */
export async function hashFile(file: string, opts: { onBytes?: (n: number) => void; signal?: AbortSignal } = {}): Promise<Digest> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK, signal: opts.signal })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    opts.onBytes?.((chunk as Buffer).length);
  }
  return { sha256: h.digest('hex'), size };
}
