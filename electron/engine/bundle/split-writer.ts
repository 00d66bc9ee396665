import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { Writable } from 'node:stream';

export interface WrittenPart {
  file: string;
  path: string;
  size: number;
  sha256: string;
}

/**
 * A stream that writes its bytes as consecutive parts of at most `partSize` bytes
 * (`NAME.part-001`, `-002`, ...), hashing each part and the whole as it goes. Parts are
 * written with a `.partial` suffix; the caller renames them once everything succeeded.
 */
export class SplitWriter extends Writable {
  readonly parts: WrittenPart[] = [];
  private readonly whole = createHash('sha256');
  private total = 0;
  private fh: FileHandle | null = null;
  private partHash: Hash | null = null;
  private partBytes = 0;

  constructor(
    private readonly basePath: string,
    private readonly partSize: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  /** Digest and size of everything written. Valid after 'finish'. */
  result!: { size: number; sha256: string };

  partPath(i: number): string {
    return `${this.basePath}.part-${String(i).padStart(3, '0')}`;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.writeChunk(chunk).then(() => cb(), cb);
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    this.whole.update(chunk);
    this.total += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      if (!this.fh || this.partBytes === this.partSize) await this.nextPart();
      const take = Math.min(chunk.length - off, this.partSize - this.partBytes);
      const slice = chunk.subarray(off, off + take);
      let written = 0;
      while (written < slice.length) written += (await this.fh!.write(slice, written, slice.length - written)).bytesWritten;
      this.partHash!.update(slice);
      this.partBytes += take;
      off += take;
    }
  }

  private async nextPart(): Promise<void> {
    await this.closePart();
    const path = this.partPath(this.parts.length + 1);
    this.fh = await open(`${path}.partial`, 'w', 0o644);
    this.partHash = createHash('sha256');
    this.partBytes = 0;
    this.parts.push({ file: path.slice(path.lastIndexOf('/') + 1), path, size: 0, sha256: '' });
  }

  private async closePart(): Promise<void> {
    if (!this.fh) return;
    await this.fh.close();
    const p = this.parts[this.parts.length - 1]!;
    p.size = this.partBytes;
    p.sha256 = this.partHash!.digest('hex');
    this.fh = null;
  }

  override _final(cb: (e?: Error | null) => void): void {
    (async () => {
      if (!this.fh && this.parts.length === 0) await this.nextPart();
      await this.closePart();
      this.result = { size: this.total, sha256: this.whole.digest('hex') };
    })().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    (this.fh ? this.fh.close() : Promise.resolve()).then(() => cb(err), () => cb(err));
  }
}
