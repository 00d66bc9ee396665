import { appendFileSync } from 'node:fs';
import { redactText } from '../redact.js';
import type { AuditEntry, AuditSink } from './target.js';

/**
 * An audit sink appending one JSON line per command to a file (a site's audit.ndjson).
 * Appends are synchronous: lines are small, and a crash must not lose the record of a command
 * that already ran. Every string is redacted again here, as the last line of defence.
 */
export function fileAuditSink(path: string): AuditSink {
  return (entry: AuditEntry) => {
    const safe: AuditEntry = { ...entry, argv: entry.argv.map(redactText), ...(entry.error ? { error: redactText(entry.error) } : {}) };
    appendFileSync(path, JSON.stringify(safe) + '\n', { mode: 0o600 });
  };
}
