/**
 * RESP2, the Redis protocol: commands go out as arrays of bulk strings, replies come back as
 * simple strings, errors, integers, bulk strings or arrays. https://redis.io/docs/reference/protocol-spec/
 */
export type RespValue = string | number | null | RespError | RespValue[];

export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RespError';
  }
}

/** Encodes one command; binary-safe because every argument is length-prefixed. */
export function encodeCommand(args: (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Incremental reply parser: feed chunks, get every complete reply. */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RespValue[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RespValue[] = [];
    for (;;) {
      const r = this.parse(0);
      if (!r) break;
      out.push(r.value);
      this.buf = this.buf.subarray(r.next);
    }
    return out;
  }

  private line(at: number): { text: string; next: number } | null {
    const end = this.buf.indexOf('\r\n', at);
    if (end < 0) return null;
    return { text: this.buf.toString('utf8', at, end), next: end + 2 };
  }

  private parse(at: number): { value: RespValue; next: number } | null {
    if (at >= this.buf.length) return null;
    const kind = String.fromCharCode(this.buf[at]!);
    const l = this.line(at + 1);
    if (!l) return null;
    switch (kind) {
      case '+':
        return { value: l.text, next: l.next };
      case '-':
        return { value: new RespError(l.text), next: l.next };
      case ':':
        return { value: Number(l.text), next: l.next };
      case '$': {
        const len = Number(l.text);
        if (len < 0) return { value: null, next: l.next };
        if (this.buf.length < l.next + len + 2) return null;
        return { value: this.buf.toString('utf8', l.next, l.next + len), next: l.next + len + 2 };
      }
      case '*': {
        const n = Number(l.text);
        if (n < 0) return { value: null, next: l.next };
        const items: RespValue[] = [];
        let next = l.next;
        for (let i = 0; i < n; i++) {
          const item = this.parse(next);
          if (!item) return null;
          items.push(item.value);
          next = item.next;
        }
        return { value: items, next };
      }
      default:
        throw new Error(`Redis protocol: unexpected reply type ${JSON.stringify(kind)}`);
    }
  }
}
