import { describe, expect, it } from 'vitest';
import { isSudoRefusal, sudoPrefix, sudoRefused } from './sudo.js';
import { parseDf } from './test-targets.js';
import { normalizeDigest, partPath } from './transfer.js';
import { prepareCommand } from './exec-support.js';

describe('sudo helpers', () => {
  it('never puts a password on the command line', () => {
    expect(sudoPrefix('root')).toEqual([]);
    expect(sudoPrefix('nopasswd')).toEqual(['sudo', '-n', '--']);
    expect(sudoPrefix('password')).toEqual(['sudo', '-k', '-S', '-p', '', '--']);
    const p = prepareCommand(['id', '-u'], {}, { mode: 'password', password: 'Pw-On-Stdin-1' });
    expect(p.argv).toEqual(['sudo', '-k', '-S', '-p', '', '--', 'id', '-u']);
    expect(p.argv.join(' ')).not.toContain('Pw-On-Stdin-1');
    expect(p.stdinParts[0]).toBe('Pw-On-Stdin-1\n');
    expect(p.auditArgv).toEqual(['id', '-u']);
  });

  it('wraps a remote time limit inside sudo and sends scripts to sh -s', () => {
    const p = prepareCommand({ script: 'echo hi', args: ['a b'], label: 'x' }, { timeoutMs: 1500 }, { mode: 'nopasswd' }, true);
    expect(p.argv).toEqual(['sudo', '-n', '--', 'timeout', '-k', '5', '2', 'sh', '-s', '--', 'a b']);
    expect(p.stdinParts).toEqual(['echo hi']);
    expect(p.script).toMatchObject({ label: 'x', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('recognises sudo refusals and names the user', () => {
    expect(isSudoRefusal('engineer is not in the sudoers file.  This incident will be reported.')).toBe(true);
    expect(isSudoRefusal('sudo: a password is required')).toBe(true);
    expect(isSudoRefusal('cat: /x: No such file or directory')).toBe(false);
    const e = sudoRefused('engineer', 'node1', 'sudo: a password is required\n');
    expect(e.code).toBe('PERMISSION');
    expect(e.message).toMatch(/^sudo refused for user engineer on node1: sudo: a password is required\./);
  });
});

describe('transfer helpers', () => {
  it('puts the part file beside the target with a leading dot', () => {
    expect(partPath('/var/lib/rancher/k3s/agent/images/app.tar')).toBe('/var/lib/rancher/k3s/agent/images/.app.tar.part');
  });
  it('accepts sha256:<hex> and <hex>, rejects anything else', () => {
    const hex = 'AB'.repeat(32);
    expect(normalizeDigest(`sha256:${hex}`)).toBe(hex.toLowerCase());
    expect(normalizeDigest(hex)).toBe(hex.toLowerCase());
    expect(normalizeDigest(undefined)).toBeUndefined();
    expect(() => normalizeDigest('md5:abc')).toThrow(/not a sha256 digest/);
  });
});

describe('parseDf', () => {
  it('reads df -Pk output and drops a repeated mount', () => {
    const text = 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 263174212 27000000 78000000 26% /\n/dev/vda 263174212 27000000 78000000 26% /\n/dev/vdb 1000 10 990 1% /var\n';
    expect(parseDf(text)).toEqual([
      { mount: '/', totalBytes: 263174212 * 1024, freeBytes: 78000000 * 1024 },
      { mount: '/var', totalBytes: 1000 * 1024, freeBytes: 990 * 1024 },
    ]);
  });
});
