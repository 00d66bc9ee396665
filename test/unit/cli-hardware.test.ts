import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HardwareReport } from '../../electron/engine/hardware/schema.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/appliance.js', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('appliance hardware (local)', () => {
  it('--json prints this machine: cores match nproc, memory matches /proc/meminfo', () => {
    const r = cli(['hardware', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = HardwareReport.parse(JSON.parse(r.stdout));
    expect(report.cpu.threads).toBe(Number(execFileSync('nproc', { encoding: 'utf8' }).trim()));
    const kb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(report.memory.totalBytes).toBe(kb * 1024);
    expect(report.filesystems.some((f) => f.mount === '/')).toBe(true);
  });

  it('prints a readable table without --json', () => {
    const r = cli(['hardware']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cores \/ threads\s+\d+ \/ \d+/);
    expect(r.stdout).toContain('Filesystems');
  });

  it('--format nope is a clear usage error with exit 2', () => {
    const r = cli(['hardware', '--format', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("argument 'nope' is invalid. Allowed choices are table, json");
    expect(r.stdout).toBe('');
  });

  it('an unknown command is a usage error, not a crash', () => {
    const r = cli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
