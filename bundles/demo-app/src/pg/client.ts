import { connect as netConnect, type Socket } from 'node:net';
import {
  BackendParser,
  convertValue,
  extendedQuery,
  parseDataRow,
  parseErrorFields,
  parseRowDescription,
  passwordMessage,
  queryMessage,
  saslInitialResponse,
  saslResponse,
  startupMessage,
  terminateMessage,
  type BackendMessage,
  type FieldDescription,
} from './messages.js';
import { md5Password, scramClientFinal, scramClientFirst, scramVerifyServer, type ScramSession } from './scram.js';

export interface PgOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  connectTimeoutMs?: number;
}

export interface QueryResult<R = Record<string, unknown>> {
  rows: R[];
  /** The CommandComplete tag, e.g. "INSERT 0 1". */
  command: string;
}

/** An error the server reported, with its SQLSTATE code. */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

interface Pending {
  resolve: (r: QueryResult) => void;
  reject: (e: Error) => void;
  fields: FieldDescription[];
  rows: Record<string, unknown>[];
  command: string;
  error: Error | null;
}

/**
 * A minimal PostgreSQL client: one connection, queries run one after another, SCRAM-SHA-256 /
 * md5 / cleartext login, simple queries and parameterised (extended protocol) queries. Enough for
 * the demo's readiness check, migrations and reads, with no npm dependency in the image.
 */
export class PgClient {
  private socket: Socket | null = null;
  private readonly parser = new BackendParser();
  private queue: Pending[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private closedError: Error | null = null;

  private constructor(private readonly opts: PgOptions) {}

  /** Connects and logs in; rejects with the server's message if the login is refused. */
  static async connect(opts: PgOptions): Promise<PgClient> {
    const c = new PgClient(opts);
    await c.open();
    return c;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  private open(): Promise<void> {
    const { host, port, user, password, database } = this.opts;
    return new Promise<void>((resolve, reject) => {
      const socket = netConnect({ host, port });
      this.socket = socket;
      let scram: ScramSession | null = null;
      let serverSignature = '';
      let ready = false;
      const timer = setTimeout(() => fail(new Error(`connect to PostgreSQL at ${host}:${port} timed out`)), this.opts.connectTimeoutMs ?? 5000);
      const fail = (e: Error) => {
        clearTimeout(timer);
        this.closedError = e;
        socket.destroy();
        if (!ready) reject(e);
        for (const p of this.queue.splice(0)) p.reject(e);
      };
      socket.on('error', (e) => fail(e));
      socket.on('close', () => fail(this.closedError ?? new Error('PostgreSQL connection closed')));
      socket.on('connect', () => socket.write(startupMessage({ user, database, application_name: 'airgap-demo-app', client_encoding: 'UTF8' })));
      socket.on('data', (chunk: Buffer) => {
        let messages: BackendMessage[];
        try {
          messages = this.parser.push(chunk);
        } catch (e) {
          return fail(e as Error);
        }
        for (const m of messages) {
          if (ready) {
            this.onMessage(m);
            continue;
          }
          if (m.type === 'R') {
            const code = m.body.readInt32BE(0);
            if (code === 0) continue; // AuthenticationOk
            if (code === 3) socket.write(passwordMessage(password));
            else if (code === 5) socket.write(passwordMessage(md5Password(user, password, m.body.subarray(4, 8))));
            else if (code === 10) {
              const mechanisms = m.body.toString('utf8', 4).split('\0');
              if (!mechanisms.includes('SCRAM-SHA-256')) return fail(new Error(`PostgreSQL offers no supported SASL mechanism (${mechanisms.join(', ')})`));
              const first = scramClientFirst();
              scram = first.session;
              socket.write(saslInitialResponse('SCRAM-SHA-256', first.message));
            } else if (code === 11 && scram) {
              try {
                const final = scramClientFinal(scram, m.body.toString('utf8', 4), password);
                serverSignature = final.serverSignature;
                socket.write(saslResponse(final.message));
              } catch (e) {
                return fail(e as Error);
              }
            } else if (code === 12) {
              if (!scramVerifyServer(m.body.toString('utf8', 4), serverSignature)) return fail(new Error('PostgreSQL server signature is wrong: not the expected server'));
            } else return fail(new Error(`PostgreSQL asks for an unsupported authentication method (${code})`));
          } else if (m.type === 'E') {
            const f = parseErrorFields(m.body);
            return fail(new PgError(f.M ?? 'PostgreSQL refused the connection', f.C));
          } else if (m.type === 'Z') {
            ready = true;
            clearTimeout(timer);
            resolve();
          }
          // ParameterStatus (S), BackendKeyData (K), notices: nothing to do.
        }
      });
    });
  }

  private onMessage(m: BackendMessage): void {
    const p = this.queue[0];
    if (!p) return;
    switch (m.type) {
      case 'T':
        p.fields = parseRowDescription(m.body);
        break;
      case 'D': {
        const values = parseDataRow(m.body);
        const row: Record<string, unknown> = {};
        p.fields.forEach((f, i) => (row[f.name] = convertValue(f.typeOid, values[i] ?? null)));
        p.rows.push(row);
        break;
      }
      case 'C':
        p.command = m.body.toString('utf8', 0, m.body.length - 1);
        break;
      case 'E': {
        const f = parseErrorFields(m.body);
        p.error = new PgError(f.M ?? 'query failed', f.C);
        break;
      }
      case 'Z':
        this.queue.shift();
        if (p.error) p.reject(p.error);
        else p.resolve({ rows: p.rows, command: p.command });
        break;
      default:
      // ParseComplete, BindComplete, NoData, notices: nothing to collect.
    }
  }

  /** Runs one statement; with `params` it uses $1, $2... placeholders (never string concatenation). */
  query<R = Record<string, unknown>>(sql: string, params?: (string | number | boolean | null)[]): Promise<QueryResult<R>> {
    const run = () =>
      new Promise<QueryResult>((resolve, reject) => {
        if (this.closedError || !this.socket) return reject(this.closedError ?? new Error('not connected'));
        this.queue.push({ resolve, reject, fields: [], rows: [], command: '', error: null });
        this.socket.write(params ? extendedQuery(sql, params.map((v) => (v === null ? null : String(v)))) : queryMessage(sql));
      });
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => {});
    return result as Promise<QueryResult<R>>;
  }

  /** Sends Terminate and closes the socket. */
  async end(): Promise<void> {
    if (!this.socket || this.closedError) return;
    const s = this.socket;
    this.closedError = new Error('client closed');
    await new Promise<void>((resolve) => s.end(terminateMessage(), () => resolve()));
    s.destroy();
  }
}
