import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labDown } from '../../../electron/engine/lab/index.js';
import { ensureLab } from '../../support/ensure-lab.js';
import { E2E_LAB } from './console.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const URL_FILE = join(root, 'test-results', 'e2e-console-url.txt');

/**
 * Brings up the e2e lab (3 nodes, no docker) unless it is already up; returns whether this run
 * started it (only then does it take it down). Without root the screens that need servers are
 * tested without them, unless LAB_REQUIRED=1, where that is a failure.
 */
async function startE2eLab(): Promise<boolean> {
  // APPLIANCE_E2E_LAB=0: specs that need no servers, without the cost of three nodes.
  if (process.env.APPLIANCE_E2E_LAB === '0') {
    if (process.env.LAB_REQUIRED === '1') throw new Error('e2e: LAB_REQUIRED=1 contradicts APPLIANCE_E2E_LAB=0.');
    return false;
  }
  if (process.getuid?.() !== 0) {
    if (process.env.LAB_REQUIRED === '1') throw new Error('e2e: LAB_REQUIRED=1 but not root: the practice lab cannot start.');
    return false;
  }
  return (await ensureLab({ name: E2E_LAB, nodes: 3 })).started;
}

/**
 * Starts `appliance console` exactly as a person would and waits for the URL line it prints.
 * The renderer must already be built (npm run test:e2e builds it first).
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(dirname(URL_FILE), { recursive: true });
  const startedLab = await startE2eLab();
  const child = spawn(process.execPath, [join(root, 'bin', 'appliance.js'), 'console', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, APPLIANCE_DATA_DIR: join(root, 'test-results', 'e2e-data') },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`console did not print its URL within 30 s: ${out}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+\/s\/[\w-]+\/\?token=[\w-]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`console exited with ${code}: ${out}`)));
  });
  writeFileSync(URL_FILE, url);
  process.env.APPLIANCE_CONSOLE_URL = url;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (startedLab && process.env.KEEP_LAB !== '1') await labDown({ name: E2E_LAB });
  };
}
