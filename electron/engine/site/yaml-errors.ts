import { type Document, LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { ApplianceError } from '../errors.js';

/** `hosts[1].port` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Parses YAML text keeping positions; syntax errors become VALIDATION errors naming the line. */
export function parseYamlWithLines(text: string, fileLabel: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = lines.linePos(err.pos[0]).line;
    throw new ApplianceError('VALIDATION', `${fileLabel} line ${line}: not valid YAML: ${err.message.split('\n')[0]}`, { file: fileLabel, line });
  }
  return { doc, lines };
}

/** The line a path points at: the value's node, else the nearest existing parent. */
export function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Turns zod issues into one VALIDATION error: the first problem leads the message with its
 * line and field, all problems are in details.problems.
 */
export function schemaError(doc: Document, lines: LineCounter, issues: z.core.$ZodIssue[], fileLabel: string): ApplianceError {
  const data = doc.toJS() as unknown;
  const problems = issues.map((issue) => {
    const path = issue.path as PropertyKey[];
    const line = lineOf(doc, lines, path);
    const got = valueAt(data, path);
    const field = formatPath(path) || '(top level)';
    const suffix = issue.code === 'custom' || issue.code === 'unrecognized_keys' ? '' : `, got ${describeValue(got)}`;
    const where = line !== undefined ? `${fileLabel} line ${line}` : fileLabel;
    return { line, field, message: `${where}: ${field}: ${issue.message}${suffix}` };
  });
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new ApplianceError('VALIDATION', first.message + more, { file: fileLabel, problems });
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}
