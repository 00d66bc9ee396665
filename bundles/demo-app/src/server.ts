import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, describeConfig, loadConfig } from './config.js';
import { Connections } from './connections.js';
import { createHandler } from './http.js';
import { Registry } from './metrics.js';
import { migrate, upsertAdmin } from './migrations.js';
import { hashPassword, passwordProblem, validEmail } from './password.js';
import { PgClient } from './pg/client.js';

/**
 * Entry point of the hospital demo app.
 *   node dist/server.js serve                       HTTP on $PORT (default)
 *   node dist/server.js migrate                     create/upgrade the schema (idempotent)
 *   node dist/server.js create-admin --email X [--password-file F]   password from F or stdin
 */
const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = (JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function staticFiles(): Map<string, { body: Buffer; type: string }> {
  const types: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of ['index.html', 'app.js', 'style.css']) {
    const body = readFileSync(join(APP_ROOT, 'public', name));
    files.set(`/${name}`, { body, type: types[name.split('.').pop()!]! });
  }
  files.set('/', files.get('/index.html')!);
  return files;
}

async function serve(): Promise<void> {
  const config = loadConfig(process.env, (p) => readFileSync(p, 'utf8'));
  log(`demo app ${VERSION}: ${describeConfig(config)}`);
  const conns = new Connections(config);
  const metrics = new Registry();
  const handler = createHandler({
    metrics,
    version: VERSION,
    log,
    staticFiles: staticFiles(),
    checks: {
      postgres: async () => (await conns.postgres()).query('SELECT 1'),
      redis: async () => {
        const reply = await (await conns.redisClient()).command(['PING']);
        if (reply !== 'PONG') throw new Error(`unexpected PING reply ${String(reply)}`);
      },
    },
    listPatients: async () => (await (await conns.postgres()).query('SELECT id, mrn, full_name, ward, bed, admitted_at FROM patients ORDER BY id')).rows,
    countView: async () => Number(await (await conns.redisClient()).command(['INCR', 'demo:patients:views'])),
  });
  const server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host, () => log(`listening on ${config.host}:${config.port}`));
  const stop = (signal: string) => {
    log(`${signal}: shutting down`);
    server.close(() => void conns.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function withDb<T>(fn: (db: PgClient) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, (p) => readFileSync(p, 'utf8'));
  const db = await PgClient.connect(config.postgres);
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function createAdmin(args: string[]): Promise<void> {
  const email = argValue(args, '--email');
  if (!email || !validEmail(email)) throw new ConfigError('create-admin needs --email with a valid address');
  const file = argValue(args, '--password-file');
  const raw = file ? readFileSync(file, 'utf8') : await readStdin();
  const password = raw.split(/\r?\n/)[0] ?? '';
  const problem = passwordProblem(password);
  if (problem) throw new ConfigError(problem);
  const hash = await hashPassword(password);
  const what = await withDb((db) => upsertAdmin(db, email, hash));
  log(`admin ${email.toLowerCase()} ${what}`);
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      await withDb((db) => migrate(db, log));
      return;
    case 'create-admin':
      return createAdmin(rest);
    default:
      throw new ConfigError(`unknown command ${command}; use serve, migrate or create-admin --email X`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`demo app: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
