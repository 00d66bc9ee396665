import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { ApplianceError } from '../engine/errors.js';
import {
  encryptSiteKeys,
  exportSiteCa,
  exportSiteKey,
  initSiteCa,
  issueSiteCertificates,
  listSiteCertificates,
  sitePkiStatus,
  type CaStatus,
  type CertificateListing,
  type IssueResult,
} from '../engine/pki/index.js';
import { resolvePassphrase } from '../engine/site/index.js';
import { action, cliEventSink, formatTable, printJson } from './output.js';
import { passphraseOptions, siteOption as siteOpt } from './site-options.js';

interface SiteOpts {
  site: string;
  passphraseFile?: string;
  json?: boolean;
}

// The shared --site / --passphrase-file options of every site command (./site-options.ts).
const siteOption = (c: Command) => c.addOption(siteOpt());
const passphraseOption = (c: Command) => passphraseOptions().reduce((cmd, o) => cmd.addOption(o), c);
const jsonOption = (c: Command) => c.option('--json', 'machine-readable output');

/** "30d", "30" -> 30; "2w" -> 14. */
export function parseDays(text: string): number {
  const m = /^(\d+)\s*([dw]?)$/i.exec(text.trim());
  if (!m) throw new ApplianceError('VALIDATION', `--within expects a number of days like "30d" or "2w", got "${text}".`);
  return Number(m[1]) * (m[2]?.toLowerCase() === 'w' ? 7 : 1);
}

const daysText = (d: number) => (d < 30 ? pc.red(`${d}`) : d < 60 ? pc.yellow(`${d}`) : `${d}`);

/** `appliance pki ...`: the site CA and its server certificates. */
export function registerPki(program: Command): Command {
  const pki = program.command('pki').description('Site certificate authority: create the CA, issue and renew server certificates, export the root');

  const status = pki.command('status').description('CA status and issued certificates (no passphrase needed)');
  siteOption(status);
  jsonOption(status).action(
    action(async (opts: SiteOpts) => {
      const s = await sitePkiStatus(opts.site);
      if (opts.json) return printJson(s);
      process.stdout.write(renderCaStatus(s.ca) + '\n');
      if (s.certificates.length) process.stdout.write('\n' + renderListing(s.certificates) + '\n');
      if (s.clearKeyFiles.length) process.stdout.write('\n' + renderClearKeyFinding(opts.site, s.clearKeyFiles) + '\n');
    }),
  );

  const init = pki.command('init').description('Create the site root CA (name-constrained to the site domain and network segments)');
  siteOption(init);
  passphraseOption(init);
  jsonOption(init)
    .addOption(new Option('--algorithm <alg>', 'CA key algorithm').choices(['rsa4096', 'ecdsa-p256']).default('rsa4096'))
    .option('--force', 'replace an existing CA (old CA and its certificates move to pki/retired/)')
    .action(
      action(async (opts: SiteOpts & { algorithm: 'rsa4096' | 'ecdsa-p256'; force?: boolean }) => {
        const passphrase = await resolvePassphrase({ passphraseFile: opts.passphraseFile, prompt: 'Site passphrase (protects the CA key): ' });
        const ca = await initSiteCa(opts.site, { passphrase, algorithm: opts.algorithm, force: opts.force });
        if (opts.json) return printJson(ca);
        process.stdout.write(renderCaStatus(ca) + '\n');
      }),
    );

  const issueCmd = (name: string, description: string, renew: boolean) => {
    const c = pki.command(name).description(description);
    siteOption(c);
    passphraseOption(c);
    jsonOption(c).option('--extra-name <name...>', 'more DNS names or IPv4 addresses for the web certificate (remembered in site.yaml)');
    if (renew) c.option('--within <days>', 'renew what expires within this many days', '30d');
    c.action(
      action(async (opts: SiteOpts & { extraName?: string[]; within?: string }) => {
        const results = await issueSiteCertificates(opts.site, {
          // Asked only if something must be signed: an up-to-date site needs no passphrase.
          passphrase: () => resolvePassphrase({ passphraseFile: opts.passphraseFile, prompt: 'Site passphrase (unlocks the CA key): ' }),
          extraNames: opts.extraName,
          renewWithinDays: opts.within ? parseDays(opts.within) : undefined,
          task: `pki.${name}`,
          onEvent: cliEventSink({ quiet: opts.json }),
        });
        if (opts.json) return printJson(results);
        process.stdout.write(renderIssueResults(results) + '\n');
      }),
    );
  };
  issueCmd('issue', 'Issue the server certificates of the site plan (idempotent; renews what expires within 30 days)', false);
  issueCmd('renew', 'Renew certificates that expire soon (--within 30d)', true);

  const list = pki.command('list').description('Issued certificates: names, expiry, days left, serial, install destinations');
  siteOption(list);
  jsonOption(list).action(
    action(async (opts: SiteOpts) => {
      const rows = await listSiteCertificates(opts.site);
      if (opts.json) return printJson(rows);
      process.stdout.write((rows.length ? renderListing(rows) : 'No certificates issued yet: run "appliance pki issue".') + '\n');
      const clear = rows.filter((r) => r.keyAtRest === 'clear');
      if (clear.length) process.stdout.write('\n' + renderClearKeyFinding(opts.site, clear.map((r) => r.name)) + '\n');
    }),
  );

  const exp = pki.command('export-ca').description('Write the root certificate (PEM, DER) and trust instructions for Windows, macOS, Linux, Firefox');
  siteOption(exp);
  jsonOption(exp)
    .requiredOption('--out <dir>', 'output folder (e.g. on a USB stick for hospital IT)')
    .action(
      action(async (opts: SiteOpts & { out: string }) => {
        const r = await exportSiteCa(opts.site, opts.out);
        if (opts.json) return printJson(r);
        process.stdout.write(`Wrote ${Object.values(r.files).join(', ')}\nSHA-256 fingerprint: ${r.fingerprintSha256}\n`);
      }),
    );

  const enc = pki.command('encrypt-keys').description('Encrypt private keys an older version left in clear under pki/ (also retired/), and remove clear haproxy.pem files');
  siteOption(enc);
  passphraseOption(enc);
  jsonOption(enc).action(
    action(async (opts: SiteOpts) => {
      const r = await encryptSiteKeys(opts.site, { passphrase: () => resolvePassphrase({ passphraseFile: opts.passphraseFile, prompt: 'Site passphrase (encrypts the keys): ' }) });
      if (opts.json) return printJson(r);
      if (!r.encrypted.length && !r.removed.length && !r.left.length) return void process.stdout.write('Every private key in the site is already encrypted.\n');
      for (const f of r.encrypted) process.stdout.write(`encrypted ${f}\n`);
      for (const f of r.removed) process.stdout.write(`removed   ${f}\n`);
      for (const f of r.left) process.stdout.write(pc.red(`left      ${f} (holds a clear private key this command does not recognise: check it and delete it)\n`));
    }),
  );

  const expKey = pki
    .command('export-key')
    .description('Write ONE server key UNENCRYPTED (mode 0600) for a manual install; never overwrites; delete the file after use');
  siteOption(expKey);
  passphraseOption(expKey);
  jsonOption(expKey)
    .requiredOption('--name <name>', 'certificate name, as "pki list" shows it (e.g. web)')
    .requiredOption('--out <file>', 'file to create (must not exist)')
    .option('--haproxy', 'write certificate + chain + key in one file, the form HAProxy\'s "crt" wants')
    .action(
      action(async (opts: SiteOpts & { name: string; out: string; haproxy?: boolean }) => {
        const r = await exportSiteKey(opts.site, {
          name: opts.name,
          out: opts.out,
          form: opts.haproxy ? 'haproxy' : 'key',
          passphrase: () => resolvePassphrase({ passphraseFile: opts.passphraseFile, prompt: 'Site passphrase (decrypts the key): ' }),
        });
        if (opts.json) return printJson(r);
        process.stdout.write(pc.yellow(r.notice) + '\n');
      }),
    );
  return pki;
}

export function renderClearKeyFinding(site: string, what: string[]): string {
  return pc.red(`Finding: private keys lie UNENCRYPTED in the site folder (${what.join(', ')}).`) + `\nEncrypt them with "appliance pki encrypt-keys --site ${site}" (the next "pki issue" does it too).`;
}

export function renderCaStatus(ca: CaStatus): string {
  if (!ca.present) return `No site CA yet (${ca.pkiDir}). Create it with "appliance pki init --site DIR".`;
  return formatTable(
    ['CA', ''],
    [
      ['subject', ca.subject],
      ['key', `${ca.key} (${ca.algorithm}), signatures ${ca.signatureAlgorithm}`],
      ['valid', `${ca.notBefore.slice(0, 10)} .. ${ca.notAfter.slice(0, 10)} (${ca.daysLeft} days left)`],
      ['permitted DNS', ca.permitted.dns.join(', ')],
      ['permitted IP', ca.permitted.ip.join(', ')],
      ['fingerprint', ca.fingerprintSha256],
      ['key protection', `encrypted PKCS#8, PBKDF2-HMAC-SHA256 x ${ca.kdfIterations}, AES-256-CBC`],
    ],
  );
}

export function renderListing(rows: CertificateListing[]): string {
  return formatTable(
    ['name', 'names', 'expires', 'days', 'serial', 'installed on'],
    rows.map((r) => [
      r.currentCa ? r.name : `${r.name} ${pc.red('(old CA)')}`,
      [...r.dns, ...r.ip].join(', '),
      r.notAfter.slice(0, 10),
      daysText(r.daysLeft),
      r.serial.slice(0, 16),
      r.destinations.map((d) => `${d.host}${d.installedAt ? '' : ' (planned)'}`).join(', ') || '-',
    ]),
  );
}

export function renderIssueResults(results: IssueResult[]): string {
  return formatTable(
    ['name', 'action', 'why', 'expires', 'names'],
    results.map((r) => [r.name, r.action === 'unchanged' ? r.action : pc.green(r.action), r.reason, r.notAfter.slice(0, 10), [...r.dns, ...r.ip].join(', ')]),
  );
}
