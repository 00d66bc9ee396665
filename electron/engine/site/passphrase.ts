import { readFile } from 'node:fs/promises';
import { ApplianceError } from '../errors.js';
import { registerSecret } from '../redact.js';

export interface ResolvePassphraseOptions {
  /** A file whose first line is the passphrase (e.g. on the engineer's encrypted USB stick). */
  passphraseFile?: string;
  /** Ask twice on a TTY (when creating a site). */
  confirm?: boolean;
  /** Prompt text on a TTY. */
  prompt?: string;
}

/** Shortest accepted passphrase: it protects every credential of a hospital site. */
export const MIN_PASSPHRASE_LENGTH = 8;

/**
 * The site passphrase, from (in order) `--passphrase-file`, APPLIANCE_PASSPHRASE, or a prompt
 * on the terminal without echo. Registered for redaction. Fails with VALIDATION when there is
 * none and no terminal to ask on.
 */
export async function resolvePassphrase(opts: ResolvePassphraseOptions = {}): Promise<string> {
  let value: string | undefined;
  if (opts.passphraseFile) {
    try {
      value = (await readFile(opts.passphraseFile, 'utf8')).split(/\r?\n/)[0];
    } catch {
      throw new ApplianceError('NOT_FOUND', `Cannot read the passphrase file ${opts.passphraseFile}.`, { file: opts.passphraseFile });
    }
  } else if (process.env.APPLIANCE_PASSPHRASE) {
    value = process.env.APPLIANCE_PASSPHRASE;
  } else if (process.stdin.isTTY && process.stderr.isTTY) {
    value = await promptHidden(opts.prompt ?? 'Site passphrase: ');
    if (opts.confirm) {
      const again = await promptHidden('Repeat the passphrase: ');
      if (again !== value) throw new ApplianceError('VALIDATION', 'The two passphrases differ; nothing was changed.');
    }
  } else {
    throw new ApplianceError('VALIDATION', 'No site passphrase: set APPLIANCE_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal to be asked.');
  }
  if (!value) throw new ApplianceError('VALIDATION', 'The site passphrase is empty.');
  registerSecret(value);
  return value;
}

/** Checks a new passphrase is long enough; used when a site is created. */
export function assertNewPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new ApplianceError('VALIDATION', `The site passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters: it protects every password of the site.`);
  }
}

/** Reads a line from the TTY with echo off (raw mode), handling backspace and Ctrl-C. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let buf = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new ApplianceError('CANCELLED', 'Cancelled by the user.'));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Reads all of stdin (for --password-stdin), dropping one trailing newline. */
export async function readStdinSecret(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  registerSecret(value);
  return value;
}
