import { describe, expect, it } from 'vitest';
import { STACK_VARIABLES } from '../../bundle/stack.js';
import { composeInterpolationSafe, envFileContent, envFileValue, toComposeValue } from './env-file.js';

/**
 * The part of compose-go's dotenv parser the installer relies on (single-quoted = literal;
 * double-quoted = unescape \" \\ then $$ -> $), as a reference for the round trip below. The
 * real `docker compose` reads the rendered .env in test/integration/install-render.test.ts.
 */
function parseValue(raw: string): string {
  const q = raw[0];
  if (q !== "'" && q !== '"') {
    expect(raw).not.toMatch(/#|^\s|\s$/);
    expect(raw.replace(/\$\$/g, '')).not.toContain('$');
    return raw.replace(/\$\$/g, '$');
  }
  if (q === "'") {
    const end = raw.indexOf("'", 1);
    expect(end).toBe(raw.length - 1);
    expect(raw[end - 1]).not.toBe('\\');
    return raw.slice(1, -1);
  }
  expect(q).toBe('"');
  let i = 1;
  for (; i < raw.length; i++) if (raw[i] === '"' && raw[i - 1] !== '\\') break;
  expect(i).toBe(raw.length - 1);
  const body = raw.slice(1, -1).replace(/\\(.)/g, (m, c: string) => (c === '$' ? m : c));
  expect(body.replace(/\$\$/g, '')).not.toContain('$');
  return body.replace(/\$\$/g, '$');
}

describe('envFileValue: Compose .env quoting', () => {
  const values = ['plain', 'with space', 'hash # inside', '#start', 'dollar $HOME and ${DB_PASSWORD}', 'dq " inside', "sq ' inside", `both ' and " and $x and # and \\ mid`, 'back\\slash', 'trailing\\', 'cost $5\\', "it's\\", "it's \\$", ' lead and trail ', '$$', 'ünïcødé €'];

  it.each(values)('round-trips %j', (v) => {
    expect(parseValue(envFileValue('X', v))).toBe(v);
  });

  it('single-quotes whatever has no single quote (literal in Compose: no interpolation)', () => {
    expect(envFileValue('X', 'a $b #c "d"')).toBe(`'a $b #c "d"'`);
    expect(envFileValue('X', "it's $x")).toBe(`"it's $$x"`);
  });

  it('refuses line breaks and a trailing backslash after # or spaces, without echoing the value', () => {
    expect(() => envFileValue('DB_PASSWORD', 'top\nsecret')).toThrow(/DB_PASSWORD holds a line break/);
    expect(() => envFileValue('DB_PASSWORD', 'top#secret\\')).toThrow(/DB_PASSWORD/);
    try {
      envFileValue('DB_PASSWORD', 'top\nsecret');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret\n');
      expect((e as Error).message).not.toContain('top');
    }
  });

  it('writes sorted NAME=value lines after the header', () => {
    expect(envFileContent({ B: 'two', A: "o'ne" }, ['hello'])).toBe(`# hello\nA="o'ne"\nB='two'\n`);
    expect(() => envFileContent({ 'BAD NAME': 'x' })).toThrow(/not an environment variable name/);
  });
});

describe('Compose interpolation', () => {
  it('keeps known ${VARS} and doubles every other $', () => {
    expect(toComposeValue('postgres://u:${DB_PASSWORD}@db/x', STACK_VARIABLES)).toBe('postgres://u:${DB_PASSWORD}@db/x');
    expect(toComposeValue('$HOME ${HOME} $$ $', STACK_VARIABLES)).toBe('$$HOME $${HOME} $$$$ $$');
    expect(composeInterpolationSafe(toComposeValue('$HOME ${HOME} ${STACK} $', STACK_VARIABLES), STACK_VARIABLES)).toBe(true);
  });

  it('accepts only $$ and known ${NAME}', () => {
    expect(composeInterpolationSafe('a ${DB_PASSWORD} $$b', STACK_VARIABLES)).toBe(true);
    expect(composeInterpolationSafe('plain', STACK_VARIABLES)).toBe(true);
    for (const bad of ['$HOME', '${HOME}', '${DB_PASSWORD:-x}', '${DB_PASSWORD?err}', 'end $', '${', '$$$x']) expect(composeInterpolationSafe(bad, STACK_VARIABLES), bad).toBe(false);
  });
});
