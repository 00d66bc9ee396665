import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../bundles/demo-app/src/config.js';
import { readiness } from '../../bundles/demo-app/src/health.js';
import { createHandler } from '../../bundles/demo-app/src/http.js';
import { Registry } from '../../bundles/demo-app/src/metrics.js';
import { MIGRATIONS, migrate, type Sql } from '../../bundles/demo-app/src/migrations.js';
import { hashPassword, passwordProblem, validEmail, verifyPassword } from '../../bundles/demo-app/src/password.js';
import { BackendParser, extendedQuery, parseDataRow, parseErrorFields, parseRowDescription, startupMessage } from '../../bundles/demo-app/src/pg/messages.js';
import { scramClientFinal, scramClientFirst, scramVerifyServer } from '../../bundles/demo-app/src/pg/scram.js';
import { encodeCommand, RespError, RespParser } from '../../bundles/demo-app/src/redis/resp.js';

describe('demo app: PostgreSQL SCRAM-SHA-256', () => {
  it('matches the RFC 7677 test vector (client proof and server signature)', () => {
    const first = scramClientFirst('rOprNGfwEbeRWgbNEkqO', 'user');
    expect(first.message).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const final = scramClientFinal(first.session, serverFirst, 'pencil');
    expect(final.message).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(scramVerifyServer('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', final.serverSignature)).toBe(true);
    expect(scramVerifyServer('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', final.serverSignature)).toBe(false);
  });

  it('refuses a server nonce that does not extend the client nonce', () => {
    const first = scramClientFirst('abc');
    expect(() => scramClientFinal(first.session, 'r=xyz123,s=AAAA,i=4096', 'pw')).toThrow(/nonce/);
  });
});

describe('demo app: PostgreSQL protocol messages', () => {
  const frame = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5);
    head.write(type, 0, 'latin1');
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  };

  it('splits backend messages across arbitrary chunk boundaries', () => {
    const stream = Buffer.concat([frame('Z', Buffer.from('I')), frame('C', Buffer.from('SELECT 1\0'))]);
    const p = new BackendParser();
    const got = [...p.push(stream.subarray(0, 3)), ...p.push(stream.subarray(3, 9)), ...p.push(stream.subarray(9))];
    expect(got.map((m) => [m.type, m.body.toString()])).toEqual([
      ['Z', 'I'],
      ['C', 'SELECT 1\0'],
    ]);
  });

  it('encodes the startup message with protocol 3.0 and a trailing NUL', () => {
    const m = startupMessage({ user: 'app', database: 'demo' });
    expect(m.readInt32BE(0)).toBe(m.length);
    expect(m.readInt32BE(4)).toBe(196608);
    expect(m.subarray(8).toString()).toBe('user\0app\0database\0demo\0\0');
  });

  it('sends parameters apart from the SQL text in the extended protocol', () => {
    const m = extendedQuery('SELECT $1::text', ["Robert'); DROP TABLE patients;--", null]);
    const types = new BackendParser().push(m).map((x) => x.type);
    expect(types).toEqual(['P', 'B', 'D', 'E', 'S']);
    const bind = new BackendParser().push(m)[1]!.body;
    expect(bind.includes(Buffer.from("Robert'); DROP TABLE patients;--"))).toBe(true);
    expect(bind.readInt32BE(bind.length - 6)).toBe(-1); // the NULL parameter
  });

  it('parses row descriptions, data rows (with NULL) and error fields', () => {
    const field = (name: string, oid: number) => {
      const b = Buffer.alloc(18);
      b.writeInt32BE(oid, 6);
      return Buffer.concat([Buffer.from(name + '\0'), b]);
    };
    const count = Buffer.alloc(2);
    count.writeInt16BE(2);
    expect(parseRowDescription(Buffer.concat([count, field('id', 23), field('name', 25)]))).toEqual([
      { name: 'id', typeOid: 23 },
      { name: 'name', typeOid: 25 },
    ]);
    const len = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    expect(parseDataRow(Buffer.concat([count, len(2), Buffer.from('42'), len(-1)]))).toEqual(['42', null]);
    expect(parseErrorFields(Buffer.from('SERROR\0C28P01\0Mpassword authentication failed\0\0'))).toMatchObject({ C: '28P01', M: 'password authentication failed' });
  });
});

describe('demo app: Redis RESP', () => {
  it('encodes commands as arrays of bulk strings (binary-safe lengths)', () => {
    expect(encodeCommand(['AUTH', 'pä ss']).toString()).toBe('*2\r\n$4\r\nAUTH\r\n$6\r\npä ss\r\n');
  });

  it('parses every reply type incrementally, including nested arrays, nulls and errors', () => {
    const p = new RespParser();
    const input = Buffer.from('+PONG\r\n:7\r\n$5\r\nhel\r\n\r\n$-1\r\n*2\r\n*1\r\n+a\r\n$1\r\nb\r\n-WRONGPASS invalid\r\n');
    const out = [];
    for (let i = 0; i < input.length; i += 4) out.push(...p.push(input.subarray(i, i + 4)));
    expect(out.slice(0, 5)).toEqual(['PONG', 7, 'hel\r\n', null, [['a'], 'b']]);
    expect(out[5]).toBeInstanceOf(RespError);
    expect((out[5] as RespError).message).toBe('WRONGPASS invalid');
  });
});

describe('demo app: configuration', () => {
  const files: Record<string, string> = { '/run/secrets/pg': 'from-file\n', '/run/secrets/redis': 's3cret' };
  const read = (p: string) => {
    const v = files[p];
    if (v === undefined) throw new Error('ENOENT');
    return v;
  };

  it('reads DATABASE_URL and REDIS_URL, with passwords from *_FILE winning over the URL', () => {
    const c = loadConfig(
      { DATABASE_URL: 'postgres://app:inurl@db.local:5433/hospital', PGPASSWORD_FILE: '/run/secrets/pg', REDIS_URL: 'redis://:old@cache:6380/2', REDIS_PASSWORD_FILE: '/run/secrets/redis', PORT: '9000' },
      read,
    );
    expect(c.postgres).toEqual({ host: 'db.local', port: 5433, user: 'app', password: 'from-file', database: 'hospital' });
    expect(c.redis).toEqual({ host: 'cache', port: 6380, password: 's3cret', db: 2 });
    expect(c.port).toBe(9000);
    expect(describeConfig(c)).not.toMatch(/from-file|s3cret|inurl/);
  });

  it('falls back to PG* and REDIS_* variables with defaults', () => {
    const c = loadConfig({ PGPASSWORD: 'pw' }, read);
    expect(c.postgres).toMatchObject({ host: 'postgres', port: 5432, user: 'postgres', password: 'pw', database: 'postgres' });
    expect(c.redis).toMatchObject({ host: 'redis', port: 6379 });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PGPASSWORD_FILE: '/nope' }, read)).toThrow(ConfigError);
    expect(() => loadConfig({ PGPASSWORD_FILE: '/nope' }, read)).toThrow(/PGPASSWORD_FILE/);
    expect(() => loadConfig({ PORT: '70000' }, read)).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x/y' }, read)).toThrow(/DATABASE_URL/);
  });
});

describe('demo app: metrics, passwords, readiness, migrations', () => {
  it('renders the Prometheus text format with HELP, TYPE and escaped, sorted labels', () => {
    const r = new Registry();
    r.inc('demo_http_requests_total', 'Requests.', { route: '/health', status: '200' });
    r.inc('demo_http_requests_total', 'Requests.', { status: '200', route: '/health' });
    r.set('demo_up', 'Up.', 1);
    r.set('demo_label_test', 'Escaping.', 2, { v: 'a"b\\c\nd' });
    const text = r.render();
    expect(text).toContain('# TYPE demo_http_requests_total counter\ndemo_http_requests_total{route="/health",status="200"} 2\n');
    expect(text).toContain('# HELP demo_up Up.\n# TYPE demo_up gauge\ndemo_up 1\n');
    expect(text).toContain('demo_label_test{v="a\\"b\\\\c\\nd"} 2');
    expect(() => r.inc('demo_up', 'x')).toThrow(/gauge/);
    expect(() => r.inc('bad name', 'x')).toThrow();
  });

  it('hashes passwords with scrypt, salted, and verifies only the right one', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(passwordProblem('short')).toMatch(/12/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toMatch(/repeated/);
    expect(passwordProblem('a long enough passphrase')).toBeNull();
    expect(validEmail('admin@hospital.local')).toBe(true);
    expect(validEmail('admin@local')).toBe(false);
  });

  it('reports not ready and names the failing or hanging dependency', async () => {
    const r = await readiness({ postgres: async () => 1, redis: async () => Promise.reject(new Error('connect ECONNREFUSED')) }, 200);
    expect(r.ready).toBe(false);
    expect(r.checks.postgres?.status).toBe('ok');
    expect(r.checks.redis).toMatchObject({ status: 'fail', error: 'connect ECONNREFUSED' });
    const hung = await readiness({ redis: () => new Promise(() => {}) }, 50);
    expect(hung.checks.redis?.error).toMatch(/redis did not answer within 50 ms/);
    expect((await readiness({ a: async () => 1 })).ready).toBe(true);
  });

  it('applies migrations once, in order, each in a transaction, and rolls back a failing one', async () => {
    const applied = new Set<number>();
    const log: string[] = [];
    let failOn: string | null = null;
    const db: Sql = {
      async query<R>(sql: string, params?: (string | number | boolean | null)[]) {
        log.push(sql.trim().split(/\s+/).slice(0, 2).join(' '));
        if (failOn && sql.includes(failOn)) throw new Error('boom');
        if (sql.startsWith('SELECT version')) return { rows: [...applied].map((version) => ({ version })) as R[], command: 'SELECT' };
        if (sql.startsWith('INSERT INTO schema_migrations')) applied.add(Number(params![0]));
        return { rows: [] as R[], command: 'OK' };
      },
    };
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(log.filter((l) => l === 'BEGIN')).toHaveLength(MIGRATIONS.length);
    expect(await migrate(db)).toEqual([]);
    expect(log.at(-1)).toBe('SELECT pg_advisory_unlock($1)');

    applied.clear();
    log.length = 0;
    failOn = 'INSERT INTO patients';
    await expect(migrate(db)).rejects.toThrow('boom');
    expect(log).toContain('ROLLBACK');
    expect(applied.has(2)).toBe(false);
    expect(log.at(-1)).toBe('SELECT pg_advisory_unlock($1)');
  });
});

describe('demo app: HTTP handler (loopback)', () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function start(redisUp: boolean) {
    const metrics = new Registry();
    const handler = createHandler({
      metrics,
      version: '0.1.0',
      checks: { postgres: async () => 1, redis: async () => (redisUp ? 'PONG' : Promise.reject(new Error('Redis connection closed'))) },
      listPatients: async () => [{ id: 1, mrn: 'MRN-1', full_name: 'Ada' }],
      countView: async () => 3,
      staticFiles: new Map([['/', { body: Buffer.from('<h1>x</h1>'), type: 'text/html' }]]),
    });
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers health, readiness, patients, static and 404, and counts requests in /metrics', async () => {
    const base = await start(true);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { postgres: { status: 'ok' }, redis: { status: 'ok' } } });
    expect(await (await fetch(`${base}/api/patients`)).json()).toEqual({ patients: [{ id: 1, mrn: 'MRN-1', full_name: 'Ada' }], views: 3 });
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${base}/nope/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/health`, { method: 'POST' })).status).toBe(405);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('demo_http_requests_total{method="GET",route="/health",status="200"} 1');
    expect(metrics).toContain('demo_http_requests_total{method="GET",route="other",status="404"} 1');
    expect(metrics).toContain('demo_dependency_up{dependency="redis"} 1');
    expect(metrics).toContain('demo_up 1');
  });

  it('returns 503 naming redis when Redis is down', async () => {
    const base = await start(false);
    const res = await fetch(`${base}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, { status: string; error?: string }> };
    expect(body.checks.redis).toMatchObject({ status: 'fail', error: 'Redis connection closed' });
    expect(body.checks.postgres?.status).toBe('ok');
  });
});
