/**
 * PostgreSQL frontend/backend protocol v3 framing: the few messages a small client needs.
 * https://www.postgresql.org/docs/15/protocol-message-formats.html
 */

export interface BackendMessage {
  /** One-byte message type, e.g. 'R' authentication, 'T' row description, 'Z' ready. */
  type: string;
  body: Buffer;
}

function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function frame(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** StartupMessage: protocol 3.0 plus parameters (user, database, application_name). */
export function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.concat([int32(196608), ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

export const passwordMessage = (password: string) => frame('p', cstr(password));
export const saslInitialResponse = (mechanism: string, data: string) => {
  const d = Buffer.from(data, 'utf8');
  return frame('p', cstr(mechanism), int32(d.length), d);
};
export const saslResponse = (data: string) => frame('p', Buffer.from(data, 'utf8'));
export const queryMessage = (sql: string) => frame('Q', cstr(sql));
export const syncMessage = () => frame('S');
export const terminateMessage = () => frame('X');

/**
 * Parse + Bind + Describe + Execute + Sync for one parameterised statement. Parameters travel
 * separately from the SQL text (text format), which is what keeps user input out of the SQL.
 */
export function extendedQuery(sql: string, params: (string | null)[]): Buffer {
  const values = params.map((p) => {
    if (p === null) return int32(-1);
    const b = Buffer.from(p, 'utf8');
    return Buffer.concat([int32(b.length), b]);
  });
  return Buffer.concat([
    frame('P', cstr(''), cstr(sql), int16(0)),
    frame('B', cstr(''), cstr(''), int16(0), int16(params.length), ...values, int16(0)),
    frame('D', Buffer.from('P'), cstr('')),
    frame('E', cstr(''), int32(0)),
    syncMessage(),
  ]);
}

/** Splits a byte stream into backend messages; keeps partial frames for the next chunk. */
export class BackendParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): BackendMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: BackendMessage[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (len < 4) throw new Error('PostgreSQL protocol: invalid message length');
      if (this.buf.length < 1 + len) break;
      out.push({ type: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, 1 + len) });
      this.buf = this.buf.subarray(1 + len);
    }
    return out;
  }
}

/** ErrorResponse / NoticeResponse fields: S severity, C SQLSTATE code, M message, D detail. */
export function parseErrorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    out[code] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return out;
}

export interface FieldDescription {
  name: string;
  typeOid: number;
}

export function parseRowDescription(body: Buffer): FieldDescription[] {
  const n = body.readInt16BE(0);
  const fields: FieldDescription[] = [];
  let i = 2;
  for (let f = 0; f < n; f++) {
    const end = body.indexOf(0, i);
    const name = body.toString('utf8', i, end);
    i = end + 1;
    const typeOid = body.readInt32BE(i + 6);
    i += 18;
    fields.push({ name, typeOid });
  }
  return fields;
}

export function parseDataRow(body: Buffer): (string | null)[] {
  const n = body.readInt16BE(0);
  const out: (string | null)[] = [];
  let i = 2;
  for (let c = 0; c < n; c++) {
    const len = body.readInt32BE(i);
    i += 4;
    if (len < 0) out.push(null);
    else {
      out.push(body.toString('utf8', i, i + len));
      i += len;
    }
  }
  return out;
}

/** Text values of a few common types to JS values; everything else stays a string. */
export function convertValue(typeOid: number, v: string | null): unknown {
  if (v === null) return null;
  switch (typeOid) {
    case 16: // bool
      return v === 't';
    case 20: // int8
    case 21: // int2
    case 23: // int4
    case 700: // float4
    case 701: // float8
      return Number(v);
    default:
      return v;
  }
}
