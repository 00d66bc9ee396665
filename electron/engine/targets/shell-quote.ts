/**
 * Quotes one argument for a POSIX shell: bare when it only has characters no shell treats
 * specially, else single-quoted with each `'` written as `'\''`. Inside single quotes nothing
 * is special ($, `, \, newlines, unicode), so this is the one quoting rule to trust.
 */
export function shellQuoteArg(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Joins an argv array into one command line for a remote POSIX shell (ssh exec). The command
 * word is always quoted when it holds `=`: bare, `A=b cmd` would be a variable assignment.
 */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellQuote: empty argv');
  for (const a of argv) if (a.includes('\0')) throw new Error('shellQuote: NUL byte in an argument');
  return argv.map((a, i) => (i === 0 && a.includes('=') ? `'${a.replace(/'/g, `'\\''`)}'` : shellQuoteArg(a))).join(' ');
}
