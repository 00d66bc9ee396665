import { describe, expect, it } from 'vitest';
import { addressProblem, quoteValue, userProblem } from '../../electron/engine/site/host-fields.js';
import { SiteHost } from '../../electron/engine/site/schema.js';

describe('host address', () => {
  it.each(['10.99.1.11', '0.0.0.0', '255.255.255.255', '::1', 'fe80::1', '2001:db8::42', '::ffff:10.0.0.1', 'node1', 'db-01.hospital-erp.local', 'XN--bcher-kva.example', 'a'.repeat(63) + '.local', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`])(
    'accepts %s',
    (v) => {
      expect(addressProblem(v)).toBeNull();
    },
  );

  it.each([
    ['$(touch /tmp/x)', '"$" cannot appear in a host name'],
    ['`id`', '"`" cannot appear in a host name'],
    ['node1;id', '";" cannot appear in a host name'],
    ['node 1', 'a space cannot appear in a host name'],
    ['-oProxyCommand=x', 'starts with "-"'],
    ['a..b', 'empty part between two dots'],
    ['.a', 'starts with a dot'],
    ['node1.', 'ends with a dot'],
    ['a-.b', 'starts or ends with "-"'],
    ['10.0.0.256', 'not a valid IPv4 address: 256 is greater than 255'],
    ['10.0.0', '4 numbers separated by dots, this has 3'],
    ['010.0.0.1', 'leading zero'],
    ['1.2.3.4:22', 'not a valid IPv6 address (the port is a separate field)'],
    ['fe80::1%eth0', 'zone ids'],
    ['[::1]', 'without brackets'],
    ['::g', 'not a valid IPv6 address'],
    ['bücher.example', 'U+00FC cannot appear in a host name'],
    ['node\u0000', 'U+0000'],
    ['a'.repeat(64) + '.local', 'has 64 characters; each part between dots has at most 63'],
    ['a.'.repeat(150) + 'b', 'has 301 characters; a host name has at most 253'],
    ['', 'empty'],
  ])('refuses %j: %s', (v, why) => {
    expect(addressProblem(v)).toContain(why);
  });
});

describe('login user', () => {
  it.each(['root', 'engineer', '_svc', 'deploy-2', 'John.Smith', 'a'.repeat(32)])('accepts %s', (v) => {
    expect(userProblem(v)).toBeNull();
  });

  it.each([
    ['root;id', '";" cannot appear in a user name'],
    ['$(id)', '"$" cannot appear'],
    ['-oProxyCommand=x', 'starts with "-"'],
    ['root ', 'a space cannot appear'],
    ['machine$', '"$" cannot appear'],
    ['user@domain', '"@" cannot appear'],
    ['1root', 'must start with a letter or "_"'],
    ['jürgen', 'U+00FC'],
    ['a'.repeat(33), 'has 33 characters; a Linux user name has at most 32'],
    ['', 'empty'],
  ])('refuses %j: %s', (v, why) => {
    expect(userProblem(v)).toContain(why);
  });
});

describe('in the site.yaml schema', () => {
  const host = { name: 'node1', address: '10.0.0.1', user: 'root', auth: 'agent' } as const;

  it('names the field, the value and the reason', () => {
    const r = SiteHost.safeParse({ ...host, address: '$(touch /tmp/x)', user: 'root;id' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['address', 'expected an IP address or host name, got "$(touch /tmp/x)": "$" cannot appear in a host name (ASCII letters, digits, dashes and dots only; write an international name in its xn-- form)'],
      ['user', 'expected a login user name, got "root;id": ";" cannot appear in a user name (ASCII letters, digits, "_", "-" and "." only)'],
    ]);
  });

  it('bounds a huge value in the message', () => {
    const r = SiteHost.safeParse({ ...host, address: 'x'.repeat(100_000) });
    expect(r.error!.issues[0]!.message.length).toBeLessThan(200);
    expect(quoteValue('y'.repeat(300))).toBe(`"${'y'.repeat(40)}..." (300 characters)`);
  });
});
