import { describe, expect, it } from 'vitest';
import { planFromPreset } from '../../network/index.js';
import { HOSTS_BEGIN, HOSTS_END, managedHostsLines, withManagedBlock } from './hosts-file.js';
import { renderFirewall, rulesetId } from './firewall-render.js';
import { expectedSettings, sshdDropin } from './sshd.js';
import { sysctlSettings } from './sysctl.js';
import { hardeningAsset } from './assets.js';
import { jailText } from './fail2ban.js';

const plan = planFromPreset('onprem-guide', { topology: 'single', domain: 'hospital-erp.local', hosts: [{ name: 'node1', role: 'server' }] });

describe('hosts block', () => {
  it('puts the app names on the single server\'s own address and takes them out of the VIP line', () => {
    const lines = managedHostsLines(plan, { topology: 'single', appNames: ['hospital-erp.local', 'api.hospital-erp.local'], address: '10.99.1.11' });
    expect(lines.at(-1)).toBe('10.99.1.11\thospital-erp.local api.hospital-erp.local');
    expect(lines.filter((l) => !l.startsWith('#') && l.split(/\s+/).includes('hospital-erp.local'))).toHaveLength(1);
    expect(lines).toContain('192.168.10.10\tnode1.hospital-erp.local node1 db-primary.hospital-erp.local redis.hospital-erp.local');
  });

  it('keeps the VIP for the app names on K3s', () => {
    const lines = managedHostsLines(plan, { topology: 'k3s-3', appNames: ['hospital-erp.local'], address: '10.0.0.1' });
    expect(lines).toContain('192.168.1.10\thospital-erp.local api.hospital-erp.local');
  });

  it('replaces the block in place, appends it once, and leaves every other line alone', () => {
    const base = '127.0.0.1\tlocalhost\n# mine\n10.1.1.1 x\n';
    const once = withManagedBlock(base, ['1.2.3.4\ta']);
    expect(once).toBe(`${base}${HOSTS_BEGIN}\n1.2.3.4\ta\n${HOSTS_END}\n`);
    const edited = once.replace(`${HOSTS_END}\n`, `${HOSTS_END}\n10.9.9.9 after\n`);
    expect(withManagedBlock(edited, ['5.6.7.8\tb'])).toBe(`${base}${HOSTS_BEGIN}\n5.6.7.8\tb\n${HOSTS_END}\n10.9.9.9 after\n`);
    expect(withManagedBlock('no newline', [])).toBe(`no newline\n${HOSTS_BEGIN}\n${HOSTS_END}\n`);
  });

  it('refuses a half block instead of guessing where it ends', () => {
    expect(() => withManagedBlock(`a\n${HOSTS_BEGIN}\nb\n`, [])).toThrow(/without "# END airgap-appliance"/);
    expect(() => withManagedBlock(`a\n${HOSTS_END}\n`, [])).toThrow(/without/);
  });
});

describe('firewall render', () => {
  const input = { installer: { address: '10.99.124.1', sshPort: 2222 }, publishedPorts: [443, 80] };

  it('adds the installer\'s SSH session, IPv6 neighbour discovery and the published ports inside the input chain', () => {
    const text = renderFirewall(plan, 'node1', input);
    expect(text).toMatch(/ip saddr 10\.99\.124\.1 tcp dport 2222 accept comment "the installer's SSH session \(airgap-appliance [0-9a-f]{16}\)"/);
    expect(text).toContain('ip saddr { 10.0.0.0/16, 192.168.1.0/24 } tcp dport 80 accept');
    expect(text).toContain('ip saddr 192.168.100.0/24 ip daddr 192.168.10.10 tcp dport 22 accept');
    expect(text).toContain('nd-neighbor-solicit');
    expect(text.trimEnd().endsWith('  }\n}')).toBe(true);
    expect(text.indexOf('published port 80')).toBeLessThan(text.lastIndexOf('  }\n}'));
  });

  it('gives each distinct ruleset its own id (the live table shows which one is loaded)', () => {
    const a = rulesetId(renderFirewall(plan, 'node1', input));
    const b = rulesetId(renderFirewall(plan, 'node1', { ...input, installer: { address: '10.99.124.2', sshPort: 2222 } }));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).not.toBe(a);
    expect(rulesetId(renderFirewall(plan, 'node1', input))).toBe(a);
  });

  it('uses ip6 for an installer reached over IPv6', () => {
    expect(renderFirewall(plan, 'node1', { ...input, installer: { address: 'fd00::5', sshPort: 22 } })).toContain('ip6 saddr fd00::5 tcp dport 22 accept');
  });
});

describe('sshd, sysctl, fail2ban texts', () => {
  it('the sshd drop-in sets the guide\'s values, as sshd -T prints them', () => {
    const want = expectedSettings(sshdDropin());
    expect(want.get('permitrootlogin')).toBe('no');
    expect(want.get('passwordauthentication')).toBe('no');
    expect(want.get('kbdinteractiveauthentication')).toBe('no');
    expect(want.get('maxauthtries')).toBe('3');
    expect(want.get('x11forwarding')).toBe('no');
    expect(sshdDropin().endsWith('ClientAliveCountMax 2\n')).toBe(true);
    expect(expectedSettings(sshdDropin(['AllowGroups admins'])).get('allowgroups')).toBe('admins');
    expect(() => sshdDropin(['PermitRootLogin yes\nMatch all'])).toThrow(/one "Keyword value" line/);
  });

  it('sysctl keeps ip_forward on for Docker and sets the guide\'s keys', () => {
    const s = new Map(sysctlSettings(hardeningAsset('sysctl-hardening.conf')));
    expect(s.get('net.ipv4.ip_forward')).toBe('1');
    expect(s.get('net.ipv4.conf.all.send_redirects')).toBe('0');
    expect(s.get('net.ipv4.tcp_syncookies')).toBe('1');
    expect(s.get('kernel.dmesg_restrict')).toBe('1');
  });

  it('the jail uses the journal, nftables and never bans the installer or Mgmt', () => {
    const jail = jailText(22, plan, '10.99.124.1');
    expect(jail).toContain('backend = systemd');
    expect(jail).toContain('banaction = nftables-multiport');
    expect(jail).toContain('ignoreip = 127.0.0.1/8 ::1 192.168.100.0/24 10.99.124.1\n');
    expect(jailText(22, undefined, 'x; rm')).toContain('ignoreip = 127.0.0.1/8 ::1\n');
  });
});
