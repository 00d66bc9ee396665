import { describe, expect, it } from 'vitest';
import { dockerSufficient, osKey, setForOs, versionAtLeast } from './host-packages.js';

describe('host packages: pure parts', () => {
  it('osKey reads ID-VERSION_ID, quoted or not', () => {
    expect(osKey('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n')).toBe('debian-12');
    expect(osKey("ID=ubuntu\nVERSION_ID='22.04'\nID_LIKE=debian\n")).toBe('ubuntu-22.04');
    expect(osKey('')).toBe('-');
  });

  it('setForOs picks the set for the host, or names both sides', () => {
    const sets = [
      { os: 'debian-12', install: ['docker.io'], debs: ['a.tar'] },
      { os: 'ubuntu-22.04', install: ['docker-ce'], debs: ['b.deb'] },
    ];
    expect(setForOs(sets, 'ubuntu-22.04', 'node1', 'Docker packages').debs).toEqual(['b.deb']);
    expect(() => setForOs(sets, 'rocky-9', 'node1', 'Docker packages')).toThrow(/node1 runs rocky-9, but the bundle's Docker packages are for debian-12, ubuntu-22\.04/);
  });

  it('versionAtLeast compares the leading numbers (Debian and Docker suffixes ignored)', () => {
    expect(versionAtLeast('20.10.24+dfsg1', '20.10')).toBe(true);
    expect(versionAtLeast('20.10', '20.10')).toBe(true);
    expect(versionAtLeast('19.03.15', '20.10')).toBe(false);
    expect(versionAtLeast('28.5.1', '20.10')).toBe(true);
    expect(versionAtLeast('2.26.1-4', '2.1.1')).toBe(true);
    expect(versionAtLeast('v2.0.1', '2.1.1')).toBe(false);
    expect(versionAtLeast('2.10.0', '2.9')).toBe(true);
    expect(versionAtLeast('garbage', '1')).toBe(false);
  });

  it('dockerSufficient says what is missing', () => {
    expect(dockerSufficient({ client: null, server: null, compose: null }, '20.10').reason).toBe('Docker is not installed');
    expect(dockerSufficient({ client: '20.10.24', server: null, compose: '2.26.1' }, '20.10').reason).toMatch(/daemon does not answer/);
    expect(dockerSufficient({ client: '19.03.1', server: '19.03.1', compose: '2.26.1' }, '20.10').reason).toMatch(/older than 20\.10/);
    expect(dockerSufficient({ client: '24.0.7', server: '24.0.7', compose: null }, '20.10').reason).toMatch(/no Compose v2 plugin/);
    expect(dockerSufficient({ client: '24.0.7', server: '24.0.7', compose: '1.29.2' }, '20.10').reason).toMatch(/Compose 1\.29\.2 is older/);
    expect(dockerSufficient({ client: '20.10.24+dfsg1', server: '20.10.24+dfsg1', compose: '2.26.1-4' }, '20.10')).toEqual({ ok: true, reason: 'Docker 20.10.24+dfsg1 with Compose 2.26.1-4 (at least 20.10)' });
  });
});
