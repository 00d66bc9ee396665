import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';

/** Read size for uploads: big chunks keep the SSH channel busy (see LAB-NOTES throughput table). */
export const UPLOAD_CHUNK = 1 << 20;

/** A chunk of the file as it is read, before it is sent (hash it, count it; do not keep it). */
export type OnChunk = (chunk: Buffer) => void;

/** Where a pump writes: one command's stdin (an SSH channel). */
export interface PumpSink {
  stream: Writable;
  /** Groups the writes of one chunk into few syscalls (e.g. cork/uncork the SSH socket). */
  batch?: (write: () => void) => void;
}

/**
 * One file, read from `start` to its end, as the stdin of an upload command.
 *
 * As a plain Readable (LocalTarget, sudo password before the data) it reads fresh 1 MiB
 * buffers. `pumpTo` is the fast path a target uses when it can: the file is read into two
 * reused buffers (fresh 1 MiB buffers cost a page fault per 4 KiB and pile up as garbage
 * faster than the GC returns them, so RSS grew with the file and the link speed) and each
 * chunk is written only after the previous one's write completed (the channel's
 * backpressure): memory stays at two chunks however large the file or fast the link.
 *
 * With a `SharedRead` several uploads of the same file (fan-out) get each chunk from one read.
 */
export class FileSource extends Readable {
  readonly path: string;
  readonly start: number;
  readonly onChunk: OnChunk | undefined;
  private readonly shared: SharedRead | undefined;
  private fh: FileHandle | undefined;
  private pos: number;
  private detach: (() => void) | undefined;
  private joined = false;

  constructor(path: string, opts: { start?: number; onChunk?: OnChunk; shared?: SharedRead } = {}) {
    super({ highWaterMark: UPLOAD_CHUNK });
    this.path = path;
    this.start = opts.start ?? 0;
    this.pos = this.start;
    this.onChunk = opts.onChunk;
    // Only a fresh upload of the whole file can share the read; a resumed one reads alone.
    this.shared = opts.shared && this.start === 0 ? opts.shared : undefined;
    if (opts.shared && !this.shared) opts.shared.withdraw();
  }

  override _read(): void {
    this.leaveShared();
    void (async () => {
      try {
        this.fh ??= await open(this.path, 'r');
        const buf = Buffer.allocUnsafe(UPLOAD_CHUNK);
        const { bytesRead } = await this.fh.read(buf, 0, UPLOAD_CHUNK, this.pos);
        if (bytesRead === 0) return void this.push(null);
        this.pos += bytesRead;
        const chunk = buf.subarray(0, bytesRead);
        this.onChunk?.(chunk);
        this.push(chunk);
      } catch (e) {
        this.destroy(e as Error);
      }
    })();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.leaveShared();
    this.detach?.();
    const fh = this.fh;
    this.fh = undefined;
    if (!fh) return cb(err);
    fh.close().then(
      () => cb(err),
      () => cb(err),
    );
  }

  /**
   * Writes the rest of the file to `sink` with backpressure. Resolves when every byte was
   * handed over (the caller ends the sink), or early, without error, when the sink closes or
   * this source is destroyed (the command stopped reading: its exit status tells why).
   */
  async pumpTo(sink: PumpSink): Promise<void> {
    if (this.readableDidRead || this.detach) throw new Error('FileSource: already being read');
    const member: Member = { sink, onChunk: this.onChunk, closed: false, wake: undefined };
    const close = () => {
      member.closed = true;
      member.wake?.();
    };
    sink.stream.once('close', close);
    sink.stream.once('error', close);
    this.detach = close;
    try {
      if (this.shared) {
        this.joined = true;
        await this.shared.join(member);
      } else {
        await pump(this.path, this.pos, [member]);
      }
    } finally {
      sink.stream.off('close', close);
      sink.stream.off('error', close);
    }
  }

  /** An upload that will not take part in a shared read (failed early, resumed, plain Readable). */
  private leaveShared(): void {
    if (this.shared && !this.joined) {
      this.joined = true;
      this.shared.withdraw();
    }
  }
}

interface Member {
  sink: PumpSink;
  onChunk: OnChunk | undefined;
  closed: boolean;
  /** Ends this member's pending write early when its sink closes. */
  wake: (() => void) | undefined;
}

/**
 * One read of a file for `expected` uploads at once. Each upload either joins (its channel is
 * open and it starts at byte 0) or withdraws; the read starts when all have decided, so none
 * of them waits for a member that will never come. A member whose channel closes is dropped;
 * the others go on.
 */
export class SharedRead {
  private readonly path: string;
  private pending: number;
  private readonly members: Member[] = [];
  private readonly waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(path: string, expected: number) {
    this.path = path;
    this.pending = expected;
  }

  join(member: Member): Promise<void> {
    this.members.push(member);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.decided();
    return p;
  }

  withdraw(): void {
    this.decided();
  }

  private decided(): void {
    if (--this.pending > 0 || this.members.length === 0) return;
    pump(this.path, 0, this.members).then(
      () => this.waiters.forEach((w) => w.resolve()),
      (e: unknown) => this.waiters.forEach((w) => w.reject(e)),
    );
  }
}

/** Reads the file from `start` into two reused buffers and writes each chunk to every open member. */
async function pump(path: string, start: number, members: Member[]): Promise<void> {
  const fh = await open(path, 'r');
  const pool = [Buffer.allocUnsafeSlow(UPLOAD_CHUNK), Buffer.allocUnsafeSlow(UPLOAD_CHUNK)];
  const open_ = () => members.filter((m) => !m.closed);
  // Settles when every member has taken the previous chunk (the other buffer).
  let previous: Promise<unknown> = Promise.resolve();
  try {
    for (let i = 0, pos = start; open_().length > 0; i++) {
      const buf = pool[i % 2]!;
      const { bytesRead } = await fh.read(buf, 0, UPLOAD_CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      await previous;
      const live = open_();
      for (const m of live) m.onChunk?.(chunk);
      previous = Promise.all(live.map((m) => writeTo(m, chunk)));
    }
    await previous;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

// A write callback that never comes (the channel closed under it) must not hang the pump.
function writeTo(m: Member, chunk: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    if (m.closed) return resolve();
    const done = () => {
      m.wake = undefined;
      resolve();
    };
    m.wake = done;
    const write = () => void m.sink.stream.write(chunk, () => done());
    if (m.sink.batch) m.sink.batch(write);
    else write();
  });
}

/** sha256 of the file's first `end` bytes (default: all of it), read through one reused buffer. */
export async function hashFile(path: string, end = Infinity): Promise<Hash> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(UPLOAD_CHUNK);
    for (let pos = 0; pos < end; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(UPLOAD_CHUNK, end - pos), pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return hash;
}
