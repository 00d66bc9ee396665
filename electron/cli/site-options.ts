import { type Command, Option } from 'commander';
import { resolvePassphrase } from '../engine/site/index.js';

/** `--site DIR`: the site folder a command works on. */
export function siteOption(required = true): Option {
  const o = new Option('--site <dir>', 'site folder (holds site.yaml)');
  return required ? o.makeOptionMandatory() : o;
}

/** `--passphrase-file FILE`; otherwise APPLIANCE_PASSPHRASE or a prompt on the terminal. */
export function passphraseOptions(): Option[] {
  return [new Option('--passphrase-file <file>', 'read the site passphrase from the first line of FILE (else APPLIANCE_PASSPHRASE, else a prompt)')];
}

/** Adds --site and the passphrase options to a command. */
export function addSiteOptions(cmd: Command, opts: { site?: boolean; passphrase?: boolean } = {}): Command {
  if (opts.site !== false) cmd.addOption(siteOption());
  if (opts.passphrase !== false) for (const o of passphraseOptions()) cmd.addOption(o);
  return cmd;
}

/** The site passphrase for a command's options (registered for redaction). */
export function sitePassphrase(opts: { passphraseFile?: string }, confirm = false): Promise<string> {
  return resolvePassphrase({ ...(opts.passphraseFile ? { passphraseFile: opts.passphraseFile } : {}), confirm });
}
