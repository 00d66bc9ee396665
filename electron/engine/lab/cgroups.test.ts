import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroupEnv, hostCgroupLayout, ownCgroupPaths } from './cgroups.js';
import { parseMountInfo, mountsUnder } from './mounts.js';
import { fingerprintOf } from './keys.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/lib/x,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
50 23 0:40 / /var/lib/x/with\\040space rw - overlay overlay rw
`;
const V2 = `30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`;

describe('host cgroup layout', () => {
  it('mirrors a hybrid layout: tmpfs root, combined v1 controllers, named hierarchy, unified', () => {
    const layout = hostCgroupLayout(parseMountInfo(HYBRID));
    expect(layout.tmpfsRoot).toBe(true);
    expect(cgroupEnv(layout)).toEqual({
      LAB_CGROUP_TMPFS: '1',
      LAB_CGROUPS: 'cgroup:cpu,cpuacct:cpu,cpuacct cgroup:systemd:xattr,name=systemd cgroup2:unified:nsdelegate',
    });
  });

  it("finds this process's own path in each hierarchy (combined controllers, named, unified)", () => {
    const layout = hostCgroupLayout(parseMountInfo(HYBRID));
    const own = ownCgroupPaths(layout, '4:cpu,cpuacct:/job/7\n9:name=systemd:/\n0::/x.slice\n3:memory:/not-mounted\n');
    expect([...own.entries()]).toEqual([
      ['cpu,cpuacct', '/job/7'],
      ['systemd', '/'],
      ['unified', '/x.slice'],
    ]);
  });

  it('mounts pure cgroup v2 at the root', () => {
    expect(cgroupEnv(hostCgroupLayout(parseMountInfo(V2)))).toEqual({ LAB_CGROUP_TMPFS: '0', LAB_CGROUPS: 'cgroup2:.:nsdelegate,memory_recursiveprot' });
  });
});

describe('mountinfo', () => {
  it('decodes escapes and finds mounts below a directory, deepest first', () => {
    const entries = parseMountInfo(HYBRID);
    expect(entries.at(-1)!.mountPoint).toBe('/var/lib/x/with space');
    expect(entries.filter((e) => e.mountPoint.startsWith('/sys/fs/cgroup')).length).toBe(4);
  });
  it('mountsUnder lists the dir and below, deepest first, never a sibling with the same prefix', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mi-'));
    const file = path.join(dir, 'mountinfo');
    writeFileSync(file, HYBRID + '60 41 0:50 / /sys/fs/cgroup/cpu,cpuacct/x rw - tmpfs t rw\n');
    expect(mountsUnder('/sys/fs/cgroup/cpu,cpuacct', file)).toEqual(['/sys/fs/cgroup/cpu,cpuacct/x', '/sys/fs/cgroup/cpu,cpuacct']);
    expect(mountsUnder('/sys/fs/cgroup/cpu', file)).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});

describe('fingerprintOf', () => {
  it('matches what ssh-keygen -lf prints for a known key', () => {
    // Key and fingerprint from `ssh-keygen -t ed25519` / `ssh-keygen -lf` (OpenSSH 9.2).
    const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJZwcRSiuIao0ZqFtLv8opmhfvSJXwl0/ZTjN49aJ9uJ test';
    expect(fingerprintOf(pub)).toBe('SHA256:CR34pAfkGPI+l7cyOA+MGTQW0Zf4m0vP1+yGHD5exEw');
  });
});
