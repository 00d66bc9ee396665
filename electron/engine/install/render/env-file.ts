import { ApplianceError } from '../../errors.js';

/**
 * The stack's .env as Docker Compose v2 reads it (compose-go's dotenv parser): the values that
 * compose.yaml's ${VAR} references are interpolated from. The quoting rules that matter here:
 *   - single-quoted values are literal (no ${...} expansion, no escapes), end at the first `'`
 *     that is not preceded by a backslash;
 *   - double-quoted values expand ${...} (`$$` is a literal `$`) and unescape `\"`, `\\`,
 *     `\n`, `\r`; they end at the first `"` not preceded by a backslash;
 *   - unquoted values stop at `#`, are trimmed and expand ${...}.
 * So: single quotes whenever the value has no `'` and does not end with a backslash; double
 * quotes (with `$`, `"` and `\` escaped) for a `'`; unquoted (with `$` doubled) for a trailing
 * backslash. What none of them can spell (a trailing backslash with a quote, `#` or outer
 * spaces; a line break) is refused: generated secrets never look like that.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One value as it must be written after `NAME=` in a Compose .env file. Never echoes the value in errors. */
export function envFileValue(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new ApplianceError('VALIDATION', `${name} holds a line break or NUL byte, which a Compose .env file cannot carry.`);
  if (!value.includes("'") && !value.endsWith('\\')) return `'${value}'`;
  if (value.endsWith('\\')) {
    // A quoted value cannot end with a backslash (it escapes the closing quote); unquoted can,
    // when nothing else in it is special to the unquoted form.
    if (/^[^\s'"#][^#]*$/.test(value) && !/\s$/.test(value)) return value.replace(/\$/g, '$$$$');
    throw new ApplianceError('VALIDATION', `${name} ends with a backslash and holds a quote, # or outer spaces, which a Compose .env file cannot carry.`);
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$')}"`;
}

/**
 * The whole .env: a header comment, then `NAME='value'` lines sorted by name (deterministic:
 * the install step compares hashes).
 */
export function envFileContent(values: Record<string, string>, header: string[] = []): string {
  const lines = header.map((l) => `# ${l}`.trimEnd());
  for (const name of Object.keys(values).sort()) {
    if (!NAME.test(name)) throw new ApplianceError('VALIDATION', `"${name}" is not an environment variable name.`);
    lines.push(`${name}=${envFileValue(name, values[name]!)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * A declaration value as it goes into compose.yaml: `${NAME}` of a known variable stays a
 * Compose interpolation, every other `$` is doubled so Compose keeps it literal.
 */
export function toComposeValue(value: string, known: readonly string[]): string {
  return value.replace(/\$\{([^}]*)\}|\$/g, (m, name: string | undefined) => (name !== undefined && known.includes(name) ? m : m.replace(/\$/g, '$$$$')));
}

/**
 * True when Compose's interpolation of `value` can only read the given variables: every `$`
 * is either `$$` (a literal dollar) or starts `${NAME}` with NAME in `known` (no `$NAME`,
 * no defaults, no `${NAME:?...}`, nothing unknown).
 */
export function composeInterpolationSafe(value: string, known: readonly string[]): boolean {
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '$') continue;
    if (value[i + 1] === '$') {
      i++;
      continue;
    }
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(value.slice(i));
    if (!m || !known.includes(m[1]!)) return false;
    i += m[0].length - 1;
  }
  return true;
}
