import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, posix } from 'node:path';
import { finished } from 'node:stream/promises';
import { ApplianceError, isApplianceError, throwIfAborted } from '../errors.js';
import { createProgressMeter, ignoreEvents } from '../events/index.js';
import { FileSource, hashFile } from './file-source.js';
import type { Target, UploadOptions, UploadResult } from './target.js';

export { UPLOAD_CHUNK } from './file-source.js';

const MiB = 1024 * 1024;

/** `sha256:<hex>` or `<hex>` → lowercase hex, or undefined. */
export function normalizeDigest(d: string | undefined): string | undefined {
  if (!d) return undefined;
  const hex = d.replace(/^sha256:/i, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ApplianceError('VALIDATION', `"${d}" is not a sha256 digest (64 hex digits).`);
  return hex;
}

/** The temporary name an upload writes to, beside the final file. */
export function partPath(remotePath: string): string {
  return posix.join(posix.dirname(remotePath), `.${posix.basename(remotePath)}.part`);
}

// One round trip: create the folder, report sizes of the final and part files and free KiB.
const INSPECT = `set -e
final=$1; part=$2; dir=$(dirname "$final")
mkdir -p "$dir"
fs=-1; [ -f "$final" ] && fs=$(stat -c %s "$final")
ps=-1; [ -f "$part" ] && ps=$(stat -c %s "$part")
avail=$(df -Pk "$dir" | awk 'NR==2 {print $4}')
echo "$fs $ps \${avail:--1}"
`;

/**
 * The upload fast path for any Target: stream the file into `cat` on the target over one exec
 * channel (1 MiB chunks), into `.<name>.part` beside the destination; resume from the part's
 * size; verify with `sha256sum` on the target; rename only when the digest matches.
 *
 * - No expected digest: it is computed locally while streaming (the prefix of a resumed upload
 *   is hashed locally first), so the check still proves the bytes on the target are the file's.
 * - Digest mismatch: the part file is deleted, INTEGRITY.
 * - Disk full: RESOURCE naming host, path and free space; the part file is deleted, because a
 *   full disk breaks the node's other services and resuming would need the same space again.
 * - Connection lost: UNREACHABLE "... after N MiB; run again to resume"; the part file stays.
 */
export async function uploadVia(target: Target, localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
  let sourceMade = false;
  try {
    return await upload();
  } finally {
    // An upload that never got to stream (already there, no space, error) tells a shared read not to wait for it.
    if (!sourceMade) opts.sharedRead?.withdraw();
  }

  async function upload(): Promise<UploadResult> {
    const started = performance.now();
    const sudo = !!opts.sudo;
    const expected = normalizeDigest(opts.sha256);
    let size: number;
    try {
      const st = await stat(localPath);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      throw new ApplianceError('NOT_FOUND', `Cannot upload ${localPath}: no such file.`, { file: localPath });
    }
    if (!posix.isAbsolute(remotePath)) throw new ApplianceError('INTERNAL', `upload: remote path must be absolute, got ${remotePath}`);
    const part = partPath(remotePath);
    const file = basename(localPath);
    const meter = createProgressMeter({ task: opts.task ?? 'upload', label: opts.label ?? `upload ${file} to ${target.name}`, total: size, onEvent: opts.onEvent ?? ignoreEvents });
    throwIfAborted(opts.signal);

    const inspect = await target.exec({ script: INSPECT, args: [remotePath, part], label: 'upload-inspect' }, { sudo, signal: opts.signal });
    const [finalSize, partSize, availKiB] = inspect.stdout.trim().split(/\s+/).map(Number) as [number, number, number];

    if (expected && finalSize === size) {
      const have = await remoteSha256(target, remotePath, sudo, opts.signal);
      if (have === expected) {
        meter.set(size);
        meter.finish();
        opts.onProgress?.(size, size);
        return { remotePath, size, sha256: expected, resumedFrom: size, sentBytes: 0, alreadyPresent: true, durationMs: performance.now() - started, transferMs: 0 };
      }
    }

    const resumeAllowed = opts.resume !== false;
    const offset = resumeAllowed && partSize >= 0 && partSize <= size ? partSize : 0;
    if (availKiB >= 0 && (size - offset) > availKiB * 1024) {
      throw new ApplianceError('RESOURCE', `${target.name}: not enough space for ${file} in ${posix.dirname(remotePath)}: needs ${fmtMiB(size - offset)}, ${fmtMiB(availKiB * 1024)} free. Free space and run again.`, {
        host: target.name,
        path: remotePath,
        freeBytes: availKiB * 1024,
        neededBytes: size - offset,
      });
    }

    let hash: Hash | undefined;
    if (!expected) {
      hash = offset > 0 ? await hashFile(localPath, offset) : createHash('sha256');
    }

    meter.set(offset);
    opts.onProgress?.(offset, size);
    let sent = 0;
    const input = new FileSource(localPath, {
      start: offset,
      ...(opts.sharedRead ? { shared: opts.sharedRead } : {}),
      onChunk: (chunk) => {
        hash?.update(chunk);
        sent += chunk.length;
        meter.add(chunk.length);
        opts.onProgress?.(offset + sent, size);
      },
    });
    sourceMade = true;
    // `>` truncates a stale or unwanted part file; `>>` continues it. With remoteHash
    // 'while-writing' a fresh upload is hashed on the target as it is written (`tee` into
    // `sha256sum`): no second pass over the file, which pays off when the target has cores to
    // spare; tee's own failure goes to stderr because the pipeline's status is sha256sum's.
    const streamHash = offset === 0 && opts.remoteHash === 'while-writing';
    const write = streamHash ? `{ tee "$1" || echo "tee exit $?" >&2; } | ${HASH_STDIN}` : offset > 0 ? 'cat >> "$1"' : 'cat > "$1"';
    let res;
    const streamStarted = performance.now();
    try {
      res = await target.exec(['sh', '-c', write, 'sh', part], { sudo, signal: opts.signal, stdin: input, allowFailure: true });
    } catch (e) {
      if (isApplianceError(e) && e.code === 'UNREACHABLE') {
        throw new ApplianceError('UNREACHABLE', `connection to ${target.name} lost during upload of ${file} after ${fmtMiB(offset + sent)}; run again to resume`, {
          host: target.name,
          path: remotePath,
          bytesSent: offset + sent,
          cause: e.message,
        });
      }
      throw e;
    } finally {
      // The command may have stopped reading early (disk full, lost connection): close the file.
      input.destroy();
    }
    const transferMs = performance.now() - streamStarted;
    if (res.exitCode !== 0 || /^tee exit \d+$/m.test(res.stderr)) {
      if (/No space left on device|Disk quota exceeded/i.test(res.stderr)) {
        const free = await freeBytes(target, posix.dirname(remotePath), sudo).catch(() => undefined);
        await target.exec(['rm', '-f', '--', part], { sudo, allowFailure: true });
        throw new ApplianceError(
          'RESOURCE',
          `${target.name}: disk full while writing ${remotePath} (after ${fmtMiB(offset + sent)} of ${fmtMiB(size)}; ${free === undefined ? 'free space unknown' : `${fmtMiB(free)} free`} in ${posix.dirname(remotePath)}). The partial file was removed; free space and run again.`,
          { host: target.name, path: remotePath, freeBytes: free, neededBytes: size },
        );
      }
      const why = res.stderr.trim().split('\n').filter((l) => !/^tee exit/.test(l)).slice(-1)[0] ?? '';
      throw new ApplianceError('FAILED', `upload of ${file} to ${target.name}:${remotePath} failed (exit ${res.exitCode}): ${why}`, { host: target.name, path: remotePath });
    }

    const want = expected ?? hash!.digest('hex');
    let have: string;
    if (streamHash) {
      // The stream hash proves what tee received; the size proves tee wrote all of it.
      have = res.stdout.trim().split(/\s+/)[0] ?? '';
      const written = Number((await target.exec(['stat', '-c', '%s', '--', part], { sudo })).stdout.trim());
      if (written !== size) have = `${have} (but ${written} of ${size} bytes written)`;
    } else {
      have = await remoteSha256(target, part, sudo, opts.signal);
    }
    if (have !== want) {
      await target.exec(['rm', '-f', '--', part], { sudo, allowFailure: true });
      throw new ApplianceError('INTEGRITY', `${file} arrived on ${target.name} damaged: sha256 ${have} but expected ${want}. The partial file was removed; run again.`, {
        host: target.name,
        path: remotePath,
        expected: want,
        actual: have,
      });
    }
    await target.exec(['mv', '-f', '--', part, remotePath], { sudo });
    if (opts.mode) await target.exec(['chmod', opts.mode, '--', remotePath], { sudo });
    meter.finish();
    return { remotePath, size, sha256: want, resumedFrom: offset, sentBytes: sent, alreadyPresent: false, durationMs: performance.now() - started, transferMs };
  }
}

// `openssl dgst` hashes about 3x faster than coreutils' sha256sum (LAB-NOTES: 1280 vs 447 MB/s);
// sha256sum is the fallback on targets without openssl. Both print the hex digest first.
const HASH_STDIN = '{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; }';
const HASH_FILE = 'if command -v openssl >/dev/null 2>&1; then exec openssl dgst -sha256 -r -- "$1"; else exec sha256sum -- "$1"; fi';

async function remoteSha256(target: Target, path: string, sudo: boolean, signal?: AbortSignal): Promise<string> {
  const r = await target.exec(['sh', '-c', HASH_FILE, 'sh', path], { sudo, ...(signal ? { signal } : {}) });
  const hex = r.stdout.trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ApplianceError('FAILED', `sha256 on ${target.name} printed no digest for ${path}.`, { host: target.name });
  return hex;
}

async function freeBytes(target: Target, dir: string, sudo: boolean): Promise<number> {
  const r = await target.exec(['df', '-Pk', '--', dir], { sudo });
  const kib = Number(r.stdout.trim().split('\n')[1]?.split(/\s+/)[3]);
  if (!Number.isFinite(kib)) throw new Error('df output not understood');
  return kib * 1024;
}

/** Copies a remote file to a local path via `cat`, writing a temporary file renamed at the end. */
export async function downloadVia(target: Target, remotePath: string, localPath: string, opts: { signal?: AbortSignal; sudo?: boolean } = {}): Promise<{ size: number }> {
  const tmp = `${localPath}.part`;
  const out = createWriteStream(tmp);
  try {
    await target.exec(['cat', '--', remotePath], { stdout: out, ...(opts.sudo ? { sudo: true } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    out.end();
    await finished(out);
    await rename(tmp, localPath);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
  return { size: (await stat(localPath)).size };
}

function fmtMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
}
