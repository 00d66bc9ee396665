import type { Command } from 'commander';
import { startConsole } from '../console/server.js';
import { defaultAppPaths, rendererDir } from '../main/app-paths.js';
import { action, ApplianceError } from './output.js';

/** `appliance console`: serve the app to a browser on 127.0.0.1. */
export function registerConsole(program: Command): void {
  program
    .command('console')
    .description('Serve the app on 127.0.0.1 for a browser (no Electron needed); prints the URL with its session token')
    .option('--port <port>', 'port to listen on (default: a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ApplianceError('VALIDATION', `--port must be 0..65535, not "${v}".`);
      return n;
    })
    .action(
      action(async (opts: { port?: number }) => {
        const server = await startConsole({
          staticDir: rendererDir(),
          paths: defaultAppPaths(),
          port: opts.port,
          // The host's own notices (refused requests, broken frames, failed reads); not every call.
          log: (line) => line.startsWith('console: ') && process.stderr.write(`${line}\n`),
        });
        process.stdout.write(`Airgap Appliance console: ${server.url}\n`);
        process.stdout.write('Open this URL in a browser on this machine. Press Ctrl+C to stop.\n');
        await new Promise<void>((resolve) => {
          const stop = () => void server.close().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}
