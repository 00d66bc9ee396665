import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A real image registry (Debian's docker-registry, i.e. distribution) on 127.0.0.1, plain HTTP,
 * storing under `dir`. A child of the test process: stop() ends it.
 */
export interface LocalRegistry {
  /** "127.0.0.1:PORT", the registry part of image names pushed to it. */
  address: string;
  stop(): Promise<void>;
}

export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  await mkdir(join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'storage')}`, '  delete:', '    enabled: true', 'http:', `  addr: ${address}`, ''].join('\n'),
  );
  const log = createWriteStream(join(dir, 'registry.log'));
  const proc = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  let exited = false;
  proc.on('exit', () => (exited = true));
  proc.on('error', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) proc.kill('SIGKILL');
    }
    log.end();
  };
  const until = Date.now() + 20_000;
  while (Date.now() < until && !exited) {
    const ok = await fetch(`http://${address}/v2/`).then((r) => r.ok, () => false);
    if (ok) return { address, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  const tail = (await readFile(join(dir, 'registry.log'), 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
  throw new Error(`docker-registry did not answer on ${address}:\n${tail}`);
}

/** A port nothing listens on right now (the registry binds it a moment later). */
async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}
