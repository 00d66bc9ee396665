import { connect as netConnect, type Socket } from 'node:net';
import { encodeCommand, RespError, RespParser, type RespValue } from './resp.js';

export interface RedisOptions {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db?: number;
  connectTimeoutMs?: number;
}

/**
 * A minimal Redis client: one connection, replies matched to commands in order (Redis answers
 * in order on one connection), AUTH and SELECT on connect. Redis errors reject the command.
 */
export class RedisClient {
  private socket: Socket | null = null;
  private readonly parser = new RespParser();
  private readonly pending: { resolve: (v: RespValue) => void; reject: (e: Error) => void }[] = [];
  private closedError: Error | null = null;

  private constructor(private readonly opts: RedisOptions) {}

  static async connect(opts: RedisOptions): Promise<RedisClient> {
    const c = new RedisClient(opts);
    await c.open();
    if (opts.password) await c.command(opts.username ? ['AUTH', opts.username, opts.password] : ['AUTH', opts.password]);
    if (opts.db) await c.command(['SELECT', opts.db]);
    return c;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: this.opts.host, port: this.opts.port });
      this.socket = socket;
      let connected = false;
      const timer = setTimeout(() => fail(new Error(`connect to Redis at ${this.opts.host}:${this.opts.port} timed out`)), this.opts.connectTimeoutMs ?? 5000);
      const fail = (e: Error) => {
        clearTimeout(timer);
        if (!this.closedError) this.closedError = e;
        socket.destroy();
        if (!connected) reject(e);
        for (const p of this.pending.splice(0)) p.reject(e);
      };
      socket.on('connect', () => {
        connected = true;
        clearTimeout(timer);
        resolve();
      });
      socket.on('error', fail);
      socket.on('close', () => fail(this.closedError ?? new Error('Redis connection closed')));
      socket.on('data', (chunk: Buffer) => {
        let replies: RespValue[];
        try {
          replies = this.parser.push(chunk);
        } catch (e) {
          return fail(e as Error);
        }
        for (const r of replies) {
          const p = this.pending.shift();
          if (!p) continue;
          if (r instanceof RespError) p.reject(r);
          else p.resolve(r);
        }
      });
    });
  }

  /** Sends one command and resolves with its reply. */
  command(args: (string | number)[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      if (this.closedError || !this.socket) return reject(this.closedError ?? new Error('not connected'));
      this.pending.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  async end(): Promise<void> {
    if (!this.socket || this.closedError) return;
    this.closedError = new Error('client closed');
    this.socket.end();
    this.socket.destroy();
  }
}
