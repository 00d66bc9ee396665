import { type Command, InvalidArgumentError, Option } from 'commander';
import { addHost, initSiteWithSecrets, loadSite, parseHostInput, readStdinSecret, siteFromLab, summarizeSite, type SiteSummary } from '../engine/site/index.js';
import { acceptHostKey, scanHostKey } from '../engine/targets/index.js';
import { ApplianceError } from '../engine/errors.js';
import { action, formatTable, printJson } from './output.js';
import { passphraseOptions, sitePassphrase } from './site-options.js';

/** `appliance site ...`: create a site folder, add hosts, pin host keys, show it. */
export function registerSite(program: Command): Command {
  const site = program.command('site').description('Site folders: site.yaml, encrypted secrets, hosts and their pinned host keys');

  const init = site
    .command('init <dir>')
    .description('Create a site folder (asks for a new site passphrase)')
    .requiredOption('--name <name>', 'site name, e.g. "St. Example Hospital"')
    .addOption(new Option('--topology <topology>', 'single server (Docker Compose) or three K3s nodes').choices(['single', 'k3s-3']).makeOptionMandatory())
    .option('--domain <domain>', 'internal DNS domain', 'hospital-erp.local')
    .option('--from-lab', 'fill hosts (and pin their host keys) from the running practice lab')
    .option('--lab-name <name>', 'which lab for --from-lab', 'lab')
    .option('--json', 'machine-readable output');
  for (const o of passphraseOptions()) init.addOption(o);
  init.action(
    action(async (dir: string, opts: { name: string; topology: 'single' | 'k3s-3'; domain: string; fromLab?: boolean; labName: string; json?: boolean; passphraseFile?: string }) => {
      const passphrase = await sitePassphrase(opts, true);
      let s = await initSiteWithSecrets(dir, { name: opts.name, topology: opts.topology, domain: opts.domain }, passphrase);
      if (opts.fromLab) s = await siteFromLab(dir, { labName: opts.labName });
      const summary = summarizeSite(s);
      if (opts.json) printJson(summary);
      else process.stdout.write(`Created site "${summary.name}" (${summary.topology}) in ${dir}\n${summary.hosts.length ? renderHosts(summary) + '\n' : 'Add hosts with "appliance site add-host".\n'}`);
    }),
  );

  const add = site
    .command('add-host <dir> <name>')
    .description('Add (or with --replace, change) a host; passwords and key passphrases go to secrets.enc')
    .requiredOption('--address <address>', 'IP address or DNS name')
    .option('--port <port>', 'SSH port', (v) => parsePort(v), 22)
    .requiredOption('--user <user>', 'login user (root, or a user with sudo)')
    .option('--key <file>', 'private key file (stays where it is; the path is recorded)')
    .option('--key-passphrase-stdin', "read the key file's passphrase from stdin")
    .option('--password-stdin', 'read the login (and sudo) password from stdin')
    .option('--agent', 'authenticate with the SSH agent (SSH_AUTH_SOCK)')
    .addOption(new Option('--role <role>', 'what the host does').choices(['server', 'lb', 'db', 'app', 'mgmt']).default('server'))
    .option('--segment <segment>', 'network segment (dmz, app, data, mgmt)')
    .option('--host-key <fingerprint>', 'pin this host key (SHA256:...), as read on the server console')
    .option('--accept-host-key <fingerprint>', 'connect, and pin the presented host key if it equals this one')
    .option('--replace', 'replace a host of the same name')
    .option('--json', 'machine-readable output');
  for (const o of passphraseOptions()) add.addOption(o);
  add.action(
    action(async (dir: string, name: string, opts: AddHostOpts) => {
      // --key or --agent choose the login; --password-stdin alone means password login, and
      // beside --key/--agent it gives the sudo password.
      if ((opts.key && opts.agent) || (!opts.key && !opts.agent && !opts.passwordStdin)) {
        throw new ApplianceError('VALIDATION', 'Choose one way to log in: --key FILE, --agent, or --password-stdin (with --key or --agent, --password-stdin gives the sudo password).');
      }
      if (opts.keyPassphraseStdin && opts.passwordStdin) throw new ApplianceError('VALIDATION', 'Only one secret can come from stdin: use --key-passphrase-stdin or --password-stdin, not both.');
      if (opts.keyPassphraseStdin && !opts.key) throw new ApplianceError('VALIDATION', '--key-passphrase-stdin needs --key FILE.');
      const host = {
        name,
        address: opts.address,
        port: opts.port,
        user: opts.user,
        role: opts.role,
        ...(opts.segment ? { segment: opts.segment } : {}),
        auth: opts.key ? ('key' as const) : opts.agent ? ('agent' as const) : ('password' as const),
        ...(opts.key ? { keyPath: opts.key } : {}),
        ...(opts.hostKey ? { hostKey: opts.hostKey } : {}),
      };
      // A wrong field is reported before any secret is asked for.
      parseHostInput(host);
      const secret = opts.passwordStdin || opts.keyPassphraseStdin ? await readStdinSecret() : undefined;
      const passphrase = await sitePassphrase(opts);
      const s = await addHost(dir, passphrase, {
        host,
        ...(opts.passwordStdin ? { password: secret } : {}),
        ...(opts.keyPassphraseStdin ? { keyPassphrase: secret } : {}),
        replace: !!opts.replace,
      });
      if (opts.acceptHostKey) await acceptHostKey(dir, name, opts.acceptHostKey, { replace: !!opts.replace });
      const summary = summarizeSite(opts.acceptHostKey ? await loadSite(dir) : s);
      if (opts.json) printJson(summary);
      else process.stdout.write(renderHosts(summary) + '\n');
    }),
  );

  site
    .command('host-key <dir> <host>')
    .description('Show the host key a host presents; with --accept, pin it (only if it equals the presented one)')
    .option('--accept <fingerprint>', 'pin this fingerprint (SHA256:...)')
    .option('--replace', 'replace an existing, different pin (after checking the server console)')
    .addOption(new Option('--timeout <seconds>', 'connect timeout').argParser((v) => Number(v) * 1000).default(10_000, '10'))
    .option('--json', 'machine-readable output')
    .action(
      action(async (dir: string, hostName: string, opts: { accept?: string; replace?: boolean; timeout: number; json?: boolean }) => {
        const s = await loadSite(dir);
        const host = s.config.hosts.find((h) => h.name === hostName);
        if (!host) throw new ApplianceError('NOT_FOUND', `No host "${hostName}" in ${dir}/site.yaml.`);
        if (opts.accept) {
          const r = await acceptHostKey(dir, hostName, opts.accept, { replace: !!opts.replace, timeoutMs: opts.timeout });
          if (opts.json) printJson(r);
          else process.stdout.write(`${hostName}: ${r.changed ? 'pinned' : 'already pinned'} ${r.fingerprint}\n`);
          return;
        }
        const scanned = await scanHostKey({ name: host.name, address: host.address, port: host.port, timeoutMs: opts.timeout });
        const state = !host.hostKey ? 'not pinned' : host.hostKey === scanned.fingerprint ? 'matches the pin' : `DIFFERS from the pin ${host.hostKey}`;
        if (opts.json) printJson({ host: hostName, ...scanned, pinned: host.hostKey ?? null, matches: host.hostKey === scanned.fingerprint });
        else process.stdout.write(`${hostName} (${host.address}:${host.port}) presents ${scanned.keyType} ${scanned.fingerprint}: ${state}\n`);
        return host.hostKey && host.hostKey !== scanned.fingerprint ? 1 : 0;
      }),
    );

  site
    .command('show <dir>')
    .description('Show a site (never its secrets)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (dir: string, opts: { json?: boolean }) => {
        const summary = summarizeSite(await loadSite(dir));
        if (opts.json) printJson(summary);
        else {
          process.stdout.write(`Site "${summary.name}"  topology ${summary.topology}  domain ${summary.domain}\n`);
          if (summary.bundle) process.stdout.write(`Bundle ${summary.bundle.path}${summary.bundle.digest ? ` (${summary.bundle.digest})` : ''}\n`);
          process.stdout.write(`Network plan: ${summary.hasNetworkPlan ? 'yes' : 'not yet'}\n`);
          process.stdout.write((summary.hosts.length ? renderHosts(summary) : 'No hosts yet.') + '\n');
        }
      }),
    );
  return site;
}

interface AddHostOpts {
  address: string;
  port: number;
  user: string;
  key?: string;
  keyPassphraseStdin?: boolean;
  passwordStdin?: boolean;
  agent?: boolean;
  role: 'server' | 'lb' | 'db' | 'app' | 'mgmt';
  segment?: string;
  hostKey?: string;
  acceptHostKey?: string;
  replace?: boolean;
  json?: boolean;
  passphraseFile?: string;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`expected a number 1-65535, got "${v}"`);
  return n;
}

export function renderHosts(s: SiteSummary): string {
  return formatTable(
    ['host', 'address', 'user', 'role', 'segment', 'auth', 'host key'],
    s.hosts.map((h) => [h.name, `${h.address}:${h.port}`, h.user, h.role, h.segment, h.auth, h.hostKey ?? 'not pinned']),
  );
}
