import { lstat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ApplianceError } from '../errors.js';
import { createFileExclusive } from '../site/atomic-write.js';
import { subjectAltNames } from './cert-info.js';
import type { PassphraseKeys } from './pkcs8.js';
import { haproxyPem, readServerKey } from './server-keys.js';

export type ExportKeyForm = 'key' | 'haproxy';

export interface ExportKeyResult {
  file: string;
  name: string;
  /** "key": the PKCS#8 key alone; "haproxy": certificate + chain + key in one file. */
  form: ExportKeyForm;
  mode: '0600';
  unencrypted: true;
  /** What was written and what to do with it, for the engineer to read. */
  notice: string;
}

/**
 * The one way a clear server key reaches a file: an explicit export for a manual install.
 * Writes mode 0600, never replaces an existing file (CONFLICT), decrypts before writing (a
 * wrong passphrase is PERMISSION and writes nothing), and says what it wrote.
 */
export async function exportServerKey(pkiDir: string, name: string, out: string, passphrase: string | PassphraseKeys, form: ExportKeyForm = 'key'): Promise<ExportKeyResult> {
  const file = resolve(out);
  const refuse = () => new ApplianceError('CONFLICT', `${file} already exists: export-key never overwrites a file. Choose another --out, or delete that file first.`, { file });
  // Checked first so a taken name costs no key derivation; createFileExclusive re-checks atomically.
  if (await lstat(file).then(() => true, () => false)) throw refuse();
  try {
    await lstat(dirname(file));
  } catch {
    throw new ApplianceError('NOT_FOUND', `The folder ${dirname(file)} does not exist: create it first (export-key writes one file).`, { file });
  }
  const m = await readServerKey(pkiDir, name, passphrase);
  const pem = form === 'haproxy' ? haproxyPem(m) : (m.key.export({ type: 'pkcs8', format: 'pem' }) as string);
  try {
    await createFileExclusive(file, pem, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw refuse();
    throw e;
  }
  const san = subjectAltNames(m.cert);
  const names = [...san.dns, ...san.ip].join(', ');
  const what = form === 'haproxy' ? 'certificate, chain and UNENCRYPTED private key (HAProxy "crt" form)' : 'UNENCRYPTED private key (PKCS#8 PEM)';
  const notice = `Wrote ${file}: the ${what} of "${name}", mode 0600. Anyone who can read this file can impersonate ${names}. Copy it to the server, then delete it here (e.g. "shred -u ${file}"); the site keeps its encrypted copy.`;
  return { file, name, form, mode: '0600', unencrypted: true, notice };
}
