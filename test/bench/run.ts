// `npm run bench [name...]`: runs every test/bench/*.bench.ts (or the named ones) one after
// another (never in parallel: they compete for the same two cores) and writes one JSON file
// with each bench's figures, the machine, and the time. Each bench measures the standard
// tool in the same run and reports ratios, so numbers compare across machines.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const results: Record<string, unknown> = {};
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stderr.write(`bench ${name}...\n`);
  const started = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<Record<string, unknown>> };
    results[name] = { ...(await mod.default()), wallSeconds: +((performance.now() - started) / 1000).toFixed(2) };
  } catch (e) {
    results[name] = { error: e instanceof Error ? e.message : String(e) };
  }
  process.stderr.write(`${JSON.stringify(results[name], null, 2)}\n`);
}

const out = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem(), kernel: os.release(), node: process.versions.node },
  results,
};
const dir = join(root, 'bench-results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${out.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(out, null, 2));
writeFileSync(join(dir, 'latest.json'), JSON.stringify(out, null, 2));
process.stdout.write(`wrote ${file}\n`);
const failed = Object.values(results).some((r) => typeof r === 'object' && r !== null && 'error' in r);
process.exitCode = failed ? 1 : 0;
