import type { AppConfig } from './config.js';
import { PgClient } from './pg/client.js';
import { RedisClient } from './redis/client.js';

/**
 * Holds one PostgreSQL and one Redis connection and reconnects lazily after a failure, so a
 * restarted database is picked up by the next request without restarting the app.
 */
export class Connections {
  private pg: Promise<PgClient> | null = null;
  private redis: Promise<RedisClient> | null = null;

  constructor(private readonly config: AppConfig) {}

  postgres(): Promise<PgClient> {
    const current = this.pg;
    if (current) {
      return current.then(
        (c) => (c.closed ? this.reconnectPg() : c),
        () => this.reconnectPg(),
      );
    }
    return this.reconnectPg();
  }

  private reconnectPg(): Promise<PgClient> {
    const p = PgClient.connect({ ...this.config.postgres, connectTimeoutMs: 3000 });
    this.pg = p;
    p.catch(() => {
      if (this.pg === p) this.pg = null;
    });
    return p;
  }

  redisClient(): Promise<RedisClient> {
    const current = this.redis;
    if (current) {
      return current.then(
        (c) => (c.closed ? this.reconnectRedis() : c),
        () => this.reconnectRedis(),
      );
    }
    return this.reconnectRedis();
  }

  private reconnectRedis(): Promise<RedisClient> {
    const { host, port, password, username, db } = this.config.redis;
    const p = RedisClient.connect({ host, port, db, connectTimeoutMs: 3000, ...(password ? { password } : {}), ...(username ? { username } : {}) });
    this.redis = p;
    p.catch(() => {
      if (this.redis === p) this.redis = null;
    });
    return p;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pg?.then((c) => c.end()), this.redis?.then((c) => c.end())]);
  }
}
