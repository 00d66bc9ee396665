/**
 * The app's configuration from environment variables. Secrets can come from files
 * (`NAME_FILE`, how Docker and Kubernetes mount secrets) so they never sit in `docker inspect`.
 *
 *   DATABASE_URL[_FILE]   postgres://user:password@host:5432/db   (or PGHOST, PGPORT, PGUSER,
 *                         PGPASSWORD[_FILE], PGDATABASE)
 *   REDIS_URL[_FILE]      redis://:password@host:6379/0           (or REDIS_HOST, REDIS_PORT,
 *                         REDIS_PASSWORD[_FILE]; REDIS_PASSWORD wins over the URL's password)
 *   PORT                  HTTP port, default 8080
 *   HOST                  bind address, default 0.0.0.0
 */
export interface AppConfig {
  port: number;
  host: string;
  postgres: { host: string; port: number; user: string; password: string; database: string };
  redis: { host: string; port: number; username?: string; password?: string; db: number };
}

export type Env = Record<string, string | undefined>;
export type ReadFile = (path: string) => string;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Value of NAME, or the trimmed contents of the file NAME_FILE points at. */
export function secretValue(env: Env, name: string, readFile: ReadFile): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFile(file).replace(/\r?\n$/, '');
    } catch {
      throw new ConfigError(`${name}_FILE points at ${file}, which cannot be read`);
    }
  }
  return env[name] || undefined;
}

function port(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`${what} must be a port number, got ${JSON.stringify(value)}`);
  return n;
}

function parseUrl(raw: string, protocols: string[], what: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${what} is not a valid URL`);
  }
  if (!protocols.includes(u.protocol)) throw new ConfigError(`${what} must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  return u;
}

export function loadConfig(env: Env, readFile: ReadFile): AppConfig {
  const dbUrl = secretValue(env, 'DATABASE_URL', readFile);
  let postgres: AppConfig['postgres'];
  if (dbUrl) {
    const u = parseUrl(dbUrl, ['postgres:', 'postgresql:'], 'DATABASE_URL');
    postgres = {
      host: u.hostname,
      port: port(u.port, 5432, 'DATABASE_URL port'),
      user: decodeURIComponent(u.username) || 'postgres',
      password: secretValue(env, 'PGPASSWORD', readFile) ?? decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    };
  } else {
    postgres = {
      host: env.PGHOST || 'postgres',
      port: port(env.PGPORT, 5432, 'PGPORT'),
      user: env.PGUSER || 'postgres',
      password: secretValue(env, 'PGPASSWORD', readFile) ?? '',
      database: env.PGDATABASE || 'postgres',
    };
  }

  const redisUrl = secretValue(env, 'REDIS_URL', readFile);
  let redis: AppConfig['redis'];
  if (redisUrl) {
    const u = parseUrl(redisUrl, ['redis:'], 'REDIS_URL');
    const db = u.pathname.replace(/^\//, '');
    redis = {
      host: u.hostname,
      port: port(u.port, 6379, 'REDIS_URL port'),
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      password: secretValue(env, 'REDIS_PASSWORD', readFile) ?? (u.password ? decodeURIComponent(u.password) : undefined),
      db: db ? Number(db) : 0,
    };
    if (!Number.isInteger(redis.db) || redis.db < 0) throw new ConfigError('REDIS_URL database must be a number, e.g. redis://host:6379/0');
  } else {
    redis = {
      host: env.REDIS_HOST || 'redis',
      port: port(env.REDIS_PORT, 6379, 'REDIS_PORT'),
      password: secretValue(env, 'REDIS_PASSWORD', readFile),
      db: 0,
    };
  }
  if (!postgres.host) throw new ConfigError('DATABASE_URL has no host');
  if (!redis.host) throw new ConfigError('REDIS_URL has no host');
  return { port: port(env.PORT, 8080, 'PORT'), host: env.HOST || '0.0.0.0', postgres, redis };
}

/** A one-line summary for the log, with no password in it. */
export function describeConfig(c: AppConfig): string {
  return `http ${c.host}:${c.port}; postgres ${c.postgres.user}@${c.postgres.host}:${c.postgres.port}/${c.postgres.database}; redis ${c.redis.host}:${c.redis.port}/${c.redis.db}${c.redis.password ? ' (auth)' : ''}`;
}
