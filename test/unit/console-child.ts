// The console host alone in a child process, for tests that must prove the process survives
// hostile input: usage `node --import tsx test/unit/console-child.ts STATIC_DIR`.
// Prints one JSON line {url, port, token}, then `log: ...` for every log line; an uncaught
// exception prints `UNCAUGHT ...` and exits 70, so a test sees it even if it misses the exit.
import { startConsole } from '../../electron/console/server.js';

process.on('uncaughtException', (e) => {
  process.stdout.write(`UNCAUGHT ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(70);
});
process.on('unhandledRejection', (e) => {
  process.stdout.write(`UNCAUGHT (rejection) ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(70);
});

const staticDir = process.argv[2];
if (!staticDir) throw new Error('usage: console-child.ts STATIC_DIR');
const server = await startConsole({
  staticDir,
  paths: { resourcesDir: '/nonexistent/resources', dataDir: '/nonexistent/data' },
  log: (line) => process.stdout.write(`log: ${line.replace(/\n/g, ' ')}\n`),
});
process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, token: server.token })}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
