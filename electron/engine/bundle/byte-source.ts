import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** A byte range of one file. */
export interface Segment {
  file: string;
  start: number;
  length: number;
}

export const CHUNK = 1024 * 1024;

/**
 * Random access over one file or the concatenation of several (a split bundle's parts), so a
 * tar can be indexed with positional reads and its entries hashed in parallel, in place.
 */
export class ByteSource {
  readonly size: number;
  private readonly parts: { file: string; size: number; offset: number }[];
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(parts: { file: string; size: number }[]) {
    let offset = 0;
    this.parts = parts.map((p) => {
      const r = { ...p, offset };
      offset += p.size;
      return r;
    });
    this.size = offset;
  }

  /** The file ranges that hold bytes [start, start+length). */
  segments(start: number, length: number): Segment[] {
    const out: Segment[] = [];
    let pos = start;
    const end = start + length;
    for (const p of this.parts) {
      if (pos >= end) break;
      const pEnd = p.offset + p.size;
      if (pos >= pEnd) continue;
      const take = Math.min(end, pEnd) - pos;
      out.push({ file: p.file, start: pos - p.offset, length: take });
      pos += take;
    }
    if (length === 0 && this.parts[0]) out.push({ file: this.parts[0].file, start: 0, length: 0 });
    return out;
  }

  /** Reads up to `length` bytes at `start` (fewer at the end of the source). */
  async read(start: number, length: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.size - start));
    const buf = Buffer.alloc(want);
    let filled = 0;
    for (const s of this.segments(start, want)) {
      const fh = await this.handle(s.file);
      let done = 0;
      while (done < s.length) {
        const { bytesRead } = await fh.read(buf, filled + done, s.length - done, s.start + done);
        if (bytesRead === 0) return buf.subarray(0, filled + done);
        done += bytesRead;
      }
      filled += done;
    }
    return buf;
  }

  /** A stream of bytes [start, start+length) with 1 MiB chunks. */
  stream(start: number, length: number): Readable {
    return streamSegments(this.segments(start, length));
  }

  private handle(file: string): Promise<FileHandle> {
    let h = this.handles.get(file);
    if (!h) {
      h = open(file, 'r');
      this.handles.set(file, h);
    }
    return h;
  }

  async close(): Promise<void> {
    const hs = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(hs.map(async (h) => (await h.catch(() => null))?.close()));
  }
}

/** Concatenates file ranges into one stream (never the whole thing in memory). */
export function streamSegments(segments: Segment[]): Readable {
  async function* gen() {
    for (const s of segments) {
      if (s.length === 0) continue;
      let got = 0;
      for await (const chunk of createReadStream(s.file, { start: s.start, end: s.start + s.length - 1, highWaterMark: CHUNK })) {
        got += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (got !== s.length) throw new Error(`${s.file} ended after ${got} of ${s.length} bytes`);
    }
  }
  return Readable.from(gen(), { objectMode: false, highWaterMark: CHUNK });
}
