import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalTarget } from '../targets/index.js';
import { measureClockOffset } from './clock-offset.js';
import { loadProbeScript, probeHost, probeHosts } from './remote.js';
import { HardwareReport } from './schema.js';

// The real probe script, run on this machine through LocalTarget (`sh -s`, no SSH).
describe('probeHost on this machine', () => {
  it('returns a valid report whose threads and memory are what /proc says', async () => {
    const r = await probeHost(new LocalTarget({ name: 'here' }));
    expect(HardwareReport.parse(r)).toEqual(r);
    expect(r.host).toBe('here');
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    expect(r.cpu.threads).toBe(cpuinfo.split('\n').filter((l) => /^processor\s*:/.test(l)).length);
    expect(r.cpu.cores).toBeGreaterThan(0);
    expect(r.cpu.cores).toBeLessThanOrEqual(r.cpu.threads);
    const memTotal = Number(readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s+(\d+) kB/m)![1]) * 1024;
    expect(r.memory.totalBytes).toBe(memTotal);
    expect(r.filesystems.some((f) => f.mount === '/')).toBe(true);
    expect(r.os.kernel).toBe(readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
  });

  it('a shell that prints nothing fails the host with the exit status and its error output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-'));
    const script = join(dir, 'broken.sh');
    writeFileSync(script, 'echo "sh: cannot run here" >&2\nexit 3\n');
    await expect(probeHost(new LocalTarget({ name: 'x' }), { scriptPath: script })).rejects.toThrow(/printed nothing usable on x \(exit status 3\): sh: cannot run here/);
    const res = await probeHosts([new LocalTarget({ name: 'x' }), new LocalTarget({ name: 'y' })], { scriptPath: script });
    expect(res.map((h) => [h.host, h.report, h.error?.code])).toEqual([
      ['x', null, 'FAILED'],
      ['y', null, 'FAILED'],
    ]);
  });

  it('a missing script is NOT_FOUND naming the path', async () => {
    await expect(probeHost(new LocalTarget(), { scriptPath: '/nonexistent/probe.sh' })).rejects.toThrow(/\/nonexistent\/probe\.sh is missing/);
  });

  it('clock offset to itself is tiny and the round trip is measured', async () => {
    const c = await measureClockOffset(new LocalTarget());
    expect(c.resolutionMs).toBeLessThan(1);
    expect(c.rttMs).toBeGreaterThan(0);
    // Both readings come from the same clock: the offset can only be the measuring error.
    expect(Math.abs(c.offsetMs)).toBeLessThanOrEqual(c.rttMs);
  });
});

describe('hardware-probe.sh', () => {
  it('is POSIX sh: dash parses it and shellcheck -s sh finds nothing', async () => {
    const script = await loadProbeScript();
    await execa('dash', ['-n'], { input: script });
    const sc = await execa('shellcheck', ['-s', 'sh', '-'], { input: script, reject: false });
    expect(sc.stdout).toBe('');
    expect(sc.exitCode).toBe(0);
  });
});
