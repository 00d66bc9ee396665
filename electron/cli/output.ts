import pc from 'picocolors';
import { ApplianceError, isApplianceError } from '../engine/errors.js';
import type { ApplianceEvent, OnEvent } from '../engine/events/index.js';
import { redactText } from '../engine/redact.js';
import { formatBytes } from '../api/units.js';

import { EXIT } from './exit-codes.js';

export { EXIT };

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain aligned table; columns sized to content; no colours when not a TTY. */
export function formatTable(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => visibleLength(r[i] ?? ''))));
  const line = (r: string[]) => r.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(c)))).join('  ').trimEnd();
  return [pc.bold(line(cells[0]!)), ...cells.slice(1).map(line)].join('\n');
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** The CLI prints '-' for an unknown size; otherwise the same units as the renderer. */
export function humanBytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : formatBytes(n);
}

/**
 * Event sink for the CLI: a redrawn progress line on a TTY, nothing on a pipe (so --json
 * output stays clean), warnings and errors to stderr always.
 */
export function cliEventSink(opts: { quiet?: boolean; verbose?: boolean } = {}): OnEvent {
  const tty = process.stderr.isTTY && !opts.quiet;
  const info = (tty || opts.verbose === true) && !opts.quiet;
  return (e: ApplianceEvent) => {
    if (e.type === 'progress' && tty) {
      const pct = e.total ? ` ${((e.done / e.total) * 100).toFixed(1)}%` : '';
      const amount = e.unit === 'bytes' ? `${humanBytes(e.done)}${e.total ? ' / ' + humanBytes(e.total) : ''}` : `${e.done}${e.total ? '/' + e.total : ''}`;
      const rate = e.rate && e.unit === 'bytes' ? `  ${(e.rate / 1e6).toFixed(0)} MB/s` : '';
      const eta = e.eta !== undefined && e.done !== e.total ? `  ETA ${Math.ceil(e.eta)}s` : '';
      process.stderr.write(`\r\u001b[2K${e.label ?? e.task}:${pct}  ${amount}${rate}${eta}`);
      if (e.total !== null && e.done >= e.total) process.stderr.write('\n');
    } else if (e.type === 'log' && (e.stream === 'warn' || e.stream === 'error')) {
      process.stderr.write(`${e.stream === 'error' ? pc.red('error') : pc.yellow('warning')}: ${e.host ? e.host + ': ' : ''}${e.line}\n`);
    } else if (e.type === 'log' && (e.stream === 'info' || (opts.verbose && (e.stream === 'stdout' || e.stream === 'stderr'))) && info) {
      process.stderr.write(`${e.host ? e.host + ': ' : ''}${e.line}\n`);
    }
  };
}

/**
 * Wraps a command action: ApplianceErrors print one clear line (and details with --json),
 * anything else prints as an internal error. Never prints a stack unless APPLIANCE_DEBUG=1.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.OK;
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}

export function reportError(e: unknown): number {
  if (process.env.APPLIANCE_DEBUG === '1' && e instanceof Error) process.stderr.write(`${redactText(e.stack ?? '')}\n`);
  if (isApplianceError(e)) {
    process.stderr.write(`${pc.red('error')}: ${redactText(e.message)}\n`);
    return e.code === 'VALIDATION' ? EXIT.USAGE : e.code === 'INTEGRITY' ? EXIT.FAILED : EXIT.ERROR;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`${pc.red('internal error')}: ${redactText(message)}\n`);
  return EXIT.ERROR;
}

export { ApplianceError };
