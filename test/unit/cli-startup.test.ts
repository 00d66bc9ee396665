// How the `appliance` command starts: `--version` and `--help` load no engine code and no
// heavy package (each command group is imported only when a command line names it), the
// top-level help still says everything the full program says, and bin/appliance.js runs the
// compiled dist/ only when it was built from the sources as they are now.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distIsCurrent, sourceListing, STAMP } from '../../bin/source-stamp.js';
import { buildProgram } from '../../electron/cli/appliance.js';
import { COMMAND_GROUPS } from '../../electron/cli/command-groups.js';

const REPO = join(import.meta.dirname, '..', '..');
const RECORDER = join(REPO, 'test', 'support', 'record-modules.js');
const tmp = mkdtempSync(join(tmpdir(), 'cli-startup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Each test spawns node, which takes seconds on a busy machine.
const SLOW = { timeout: 120_000 };

let runs = 0;
/** Runs the real command with the module recorder; returns its output and every module URL it loaded. */
function appliance(args: string[], env: Record<string, string> = {}) {
  const file = join(tmp, `modules-${++runs}.txt`);
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['--import', RECORDER, join(REPO, 'bin', 'appliance.js'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, RECORD_MODULES_FILE: file, ...env },
  });
  return { ...r, modules: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

// What --version and --help must not load: the engine, the command groups that import it, and
// the packages that cost most to load.
const HEAVY = [
  /\/electron\/engine\//,
  /\/electron\/api\//,
  /\/electron\/cli\/(hardware|bundle|site|targets|network|pki|lab|console|output|site-options)\.[jt]s$/,
  /\/node_modules\/(zod|yaml|ssh2|node-forge|systeminformation|tar-stream|execa|ws)\//,
];
const heavy = (modules: string[]) => modules.filter((m) => HEAVY.some((re) => re.test(m)));

const modes: { name: string; env: Record<string, string> }[] = [
  { name: 'from the sources (tsx)', env: { APPLIANCE_FROM_SOURCE: '1' } },
  // In CI setup has built dist/, so this runs the compiled code; while editing, the sources.
  { name: `as installed (${distIsCurrent(REPO) ? 'dist/' : 'sources: dist/ is not current'})`, env: {} },
];

describe.each(modes)('appliance start-up $name', ({ env }) => {
  it('--version prints the version and loads no engine module or heavy package', SLOW, () => {
    const r = appliance(['--version'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    expect(r.modules.some((m) => m.includes('/cli/appliance.'))).toBe(true);
    expect(heavy(r.modules)).toEqual([]);
  });

  it('--help lists every command group and loads no engine module or heavy package', SLOW, () => {
    const r = appliance(['--help'], env);
    expect(r.status, r.stderr).toBe(0);
    for (const g of COMMAND_GROUPS) expect(r.stdout).toContain(`  ${g.term} `);
    expect(heavy(r.modules)).toEqual([]);
  });

  it('bundle --help and bundle verify --help load bundle and list its commands and options', SLOW, () => {
    const r = appliance(['bundle', '--help'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verify \[options\] <path>/);
    expect(r.stdout).toMatch(/build \[options\] <spec>/);
    // The recorder sees what a group loads: proof that the checks above can fail.
    expect(r.modules.some((m) => /\/electron\/engine\/bundle\//.test(m))).toBe(true);
    expect(r.modules.some((m) => /\/node_modules\/zod\//.test(m))).toBe(true);
    const v = appliance(['help', 'bundle'], env);
    expect(v.stdout).toBe(r.stdout);
    const verify = appliance(['bundle', 'verify', '--help'], env);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('--trust');
    // Loading bundle loads no other group.
    expect(verify.modules.filter((m) => /\/electron\/cli\/(site|pki|lab|network|targets|console|hardware)\.[jt]s$/.test(m))).toEqual([]);
  });
});

describe('appliance command declarations', () => {
  it('the top-level help without the groups loaded equals the help of the full program', SLOW, async () => {
    const full = await buildProgram('all');
    const light = await buildProgram([]);
    expect(light.helpInformation()).toBe(full.helpInformation());
  });

  it('each declared group matches its registration: name, term, description, order', SLOW, async () => {
    const full = await buildProgram('all');
    const help = full.createHelp();
    expect(full.commands.map((c) => c.name())).toEqual(COMMAND_GROUPS.map((g) => g.name));
    for (const g of COMMAND_GROUPS) {
      const cmd = full.commands.find((c) => c.name() === g.name)!;
      expect({ term: help.subcommandTerm(cmd), description: cmd.description() }).toEqual({ term: g.term, description: g.description });
    }
  });
});

describe('bin/appliance.js chooses dist/ only when it is current', () => {
  // A small tree shaped like the repository: the launcher and stamp module copied from it,
  // node_modules linked (for tsx), and a "source" and a "compiled" CLI that say which ran.
  const root = join(tmp, 'repo');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'electron', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist', 'electron', 'cli'), { recursive: true });
  for (const f of ['appliance.js', 'source-stamp.js']) writeFileSync(join(root, 'bin', f), readFileSync(join(REPO, 'bin', f)));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(root, 'tsconfig.json'), '{}\n');
  writeFileSync(join(root, 'tsconfig.build.json'), '{}\n');
  const main = (from: string) => `export async function main(): Promise<void> { process.stdout.write(${JSON.stringify(from)}); }\n`;
  writeFileSync(join(root, 'electron', 'cli', 'appliance.ts'), main('sources'));
  writeFileSync(join(root, 'electron', 'cli', 'appliance.test.ts'), '// not compiled\n');
  writeFileSync(join(root, 'dist', 'electron', 'cli', 'appliance.js'), main('dist').replace(': Promise<void>', ''));
  const stamp = () => writeFileSync(join(root, STAMP), sourceListing(root));
  const which = (env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'appliance.js')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
    expect(r.status, r.stderr).toBe(0);
    // Not a terminal: no note on stderr.
    expect(r.stderr).toBe('');
    return r.stdout;
  };

  it('no stamp (never built, or the build failed): the sources run', SLOW, () => {
    expect(which()).toBe('sources');
  });

  it('a build of the current sources runs; APPLIANCE_FROM_SOURCE=1 still runs the sources', SLOW, () => {
    stamp();
    expect(which()).toBe('dist');
    expect(which({ APPLIANCE_FROM_SOURCE: '1' })).toBe('sources');
  });

  it('a source edited, added or removed after the build: the sources run', SLOW, () => {
    const src = join(root, 'electron', 'cli', 'appliance.ts');
    stamp();
    const later = new Date(Date.now() + 5_000);
    utimesSync(src, later, later);
    expect(which()).toBe('sources');

    stamp();
    writeFileSync(join(root, 'electron', 'cli', 'extra.ts'), 'export {};\n');
    expect(which()).toBe('sources');

    stamp();
    rmSync(join(root, 'electron', 'cli', 'extra.ts'));
    expect(which()).toBe('sources');

    stamp();
    writeFileSync(join(root, 'tsconfig.build.json'), '{ }\n');
    expect(which()).toBe('sources');
  });

  it('editing a test file or the preload does not make the build stale', SLOW, () => {
    stamp();
    writeFileSync(join(root, 'electron', 'cli', 'appliance.test.ts'), '// edited\n');
    mkdirSync(join(root, 'electron', 'preload'), { recursive: true });
    writeFileSync(join(root, 'electron', 'preload', 'preload.ts'), 'export {};\n');
    expect(which()).toBe('dist');
  });

  it('an install without the sources runs the build it has', SLOW, () => {
    stamp();
    rmSync(join(root, 'electron'), { recursive: true });
    expect(which()).toBe('dist');
  });
});
