import { Readable } from 'node:stream';
import { ApplianceError } from '../../errors.js';
import { type Digest, writeHashed } from './hashed-write.js';

/** Downloads `url` into `dest` while hashing (build machine only: the field never downloads). */
export async function download(url: string, dest: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<Digest & { total: number | null }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: opts.signal });
  } catch (e) {
    throw new ApplianceError('UNREACHABLE', `Download of ${url} failed: ${(e as Error).message}.`);
  }
  if (!res.ok || !res.body) throw new ApplianceError('FAILED', `Download of ${url} failed: HTTP ${res.status}.`);
  const total = Number(res.headers.get('content-length')) || null;
  const d = await writeHashed(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), dest, opts);
  return { ...d, total };
}
