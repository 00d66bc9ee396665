import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote, shellQuoteArg } from './shell-quote.js';

// The real proof: a POSIX shell parses the quoted line back into exactly the original argv.
function roundTrip(argv: string[]): string[] {
  const line = shellQuote(['printf', '%s\\0', ...argv]);
  const out = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  const cases: [string, string[]][] = [
    ['plain words', ['ls', '-la', '/var/lib']],
    ['spaces', ['a b', '  leading', 'trailing  ']],
    ['single quotes', ["it's", "'", "''", "a'b'c"]],
    ['double quotes', ['"quoted"', 'a"b']],
    ['dollar and expansion', ['$HOME', '${PATH}', '$(id)', '$((1+1))']],
    ['backticks', ['`id`', 'a`b']],
    ['newlines and tabs', ['line1\nline2', 'tab\there', '\n']],
    ['empty strings', ['', 'x', '']],
    ['unicode', ['Krankenhaus Süd', '病院', '😀 emoji']],
    ['globs and operators', ['*', '?', '[a-z]', ';', '&&', '|', '>', '<', '#comment', '~', '!']],
    ['backslashes', ['\\', 'a\\nb', '\\\'']],
    ['dash-leading', ['-n', '--', '-e']],
  ];
  for (const [name, argv] of cases) {
    it(`round-trips ${name} through sh`, () => {
      expect(roundTrip(argv)).toEqual(argv);
    });
  }

  it('leaves safe words bare and quotes the rest', () => {
    expect(shellQuoteArg('node1')).toBe('node1');
    expect(shellQuoteArg('/var/lib/x.tar')).toBe('/var/lib/x.tar');
    expect(shellQuoteArg('')).toBe("''");
    expect(shellQuoteArg('a b')).toBe("'a b'");
    expect(shellQuoteArg("it's")).toBe("'it'\\''s'");
  });

  it('rejects NUL bytes and an empty argv', () => {
    expect(() => shellQuote(['a\0b'])).toThrow(/NUL/);
    expect(() => shellQuote([])).toThrow(/empty/);
  });

  it('quotes a command word holding "=" so the shell runs it instead of assigning a variable', () => {
    expect(shellQuote(['A=b', 'x'])).toBe("'A=b' x");
    const r = spawnSync('sh', ['-c', shellQuote(['APPLIANCE_TEST=1', 'true'])], { encoding: 'utf8' });
    expect(r.status).toBe(127); // "not found": it was taken as a command, not as an assignment before `true`
    expect(shellQuote(['env', 'A=b'])).toBe('env A=b');
  });
});
