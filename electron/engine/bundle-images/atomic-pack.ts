import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ApplianceError } from '../errors.js';

/**
 * Writes a tar through `stages` (hash taps, gzip) into `outFile` atomically: to a temporary
 * name, renamed only once complete; on any failure the temporary file is removed. `fill` adds
 * the entries and calls `check()` between them, which throws a write failure (a full disk)
 * at once instead of waiting forever on a stalled pack.
 */
export async function writePackAtomically(
  outFile: string,
  what: string,
  stages: NodeJS.ReadWriteStream[],
  fill: (pack: tar.Pack, check: () => void) => Promise<void>,
): Promise<void> {
  const tmp = `${outFile}.partial`;
  const pack = tar.pack();
  const written = pipeline([pack, ...stages, createWriteStream(tmp)] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream]);
  let failure: unknown = null;
  written.catch((e: unknown) => {
    failure = e;
  });
  const check = () => {
    if (failure) throw failure;
  };
  try {
    await fill(pack, check);
    pack.finalize();
    await written;
    await rename(tmp, outFile);
  } catch (e) {
    pack.destroy();
    await written.catch(() => {});
    await rm(tmp, { force: true });
    if (e instanceof ApplianceError) throw e;
    throw new ApplianceError('FAILED', `Could not write the ${what} ${outFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
