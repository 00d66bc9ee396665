import { describe, expect, it } from 'vitest';
import { debFileName, parseAptSources, parseSimulatedInstall, statusWithout } from './deb-set.js';

describe('deb sets: pure parts', () => {
  it('parses apt-get -s install output into the closure', () => {
    const out = [
      'NOTE: This is only a simulation!',
      'Inst libip6tc2 (1.8.9-2 Debian:12.10/stable [amd64])',
      'Inst dmsetup (2:1.02.185-2 Debian:12.10/stable [amd64])',
      'Inst libc6 [2.36-9] (2.36-9+deb12u14 Debian-Security:12/stable-security [amd64])',
      'Inst docker-compose (2.26.1-4 Debian:13.1/testing [amd64])',
      'Conf libip6tc2 (1.8.9-2 Debian:12.10/stable [amd64])',
    ].join('\n');
    expect(parseSimulatedInstall(out)).toEqual([
      { name: 'libip6tc2', version: '1.8.9-2', arch: 'amd64' },
      { name: 'dmsetup', version: '2:1.02.185-2', arch: 'amd64' },
      { name: 'libc6', version: '2.36-9+deb12u14', arch: 'amd64' },
      { name: 'docker-compose', version: '2.26.1-4', arch: 'amd64' },
    ]);
    expect(debFileName({ name: 'dmsetup', version: '2:1.02.185-2', arch: 'amd64' })).toBe('dmsetup_2%3a1.02.185-2_amd64.deb');
  });

  it('statusWithout drops whole stanzas by package name', () => {
    const status = 'Package: tini\nStatus: install ok installed\nVersion: 0.19\n\nPackage: bash\nStatus: install ok installed\n\nPackage: tini-static\nVersion: 1\n';
    expect(statusWithout(status, ['tini'])).toBe('Package: bash\nStatus: install ok installed\n\nPackage: tini-static\nVersion: 1\n');
    expect(statusWithout(status, [])).toBe(status);
  });

  it('parseAptSources reads every deb stanza of a deb822 file', () => {
    const text = 'Types: deb\n# http://snapshot.debian.org/archive/debian/20250520T000000Z\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb-src\nURIs: http://x\nSuites: bookworm\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main contrib\n';
    expect(parseAptSources(text)).toEqual([
      { uri: 'http://deb.debian.org/debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
      { uri: 'http://deb.debian.org/debian-security', suites: ['bookworm-security'], components: ['main', 'contrib'] },
    ]);
    expect(() => parseAptSources('')).toThrow(/No Debian mirror/);
  });
});
