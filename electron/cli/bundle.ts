import { type Command, Option } from 'commander';
import pc from 'picocolors';
import {
  buildBundle,
  defaultTrustDirs,
  generateSigningKey,
  inspectBundle,
  type InspectReport,
  listBundles,
  parseSize,
  planBuild,
  type SignatureResult,
  verifyBundle,
  type VerifyReport,
} from '../engine/bundle/index.js';
import { defaultAppPaths } from '../main/app-paths.js';
import { action, cliEventSink, EXIT, formatTable, humanBytes, printJson } from './output.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function trustOptions(o: { trust?: string[]; cacheDir?: string }) {
  const paths = defaultAppPaths();
  return { trustDirs: defaultTrustDirs(paths), trust: o.trust ?? [], cacheDir: o.cacheDir ?? paths.dataDir };
}

/** `appliance bundle build|verify|inspect|keygen|list`. */
export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('Build, sign, verify and inspect offline bundles');

  bundle
    .command('build')
    .description('Build a bundle from a spec (*.bundle.yaml)')
    .argument('<spec>', 'bundle spec file')
    .option('--out <path>', 'output folder, or a path ending in .tar')
    .option('--sign <keyfile>', 'sign manifest.json with this PEM private key (Ed25519 or RSA)')
    .option('--max-part-size <size>', 'split the tar into parts of at most this size (K/M/G suffixes; 4095M for FAT32)')
    .option('--force', 'replace an existing output')
    .option('--dry-run', 'list what would be fetched or copied, write nothing')
    .option('--json', 'machine-readable output')
    .action(
      action(async (spec: string, o: { out?: string; sign?: string; maxPartSize?: string; force?: boolean; dryRun?: boolean; json?: boolean }) => {
        if (o.dryRun) {
          const plan = await planBuild(spec);
          const problems = plan.entries.filter((e) => e.problem).length;
          if (o.json) printJson({ ...plan, problems });
          else {
            process.stdout.write(`Dry run: ${plan.name} ${plan.version}, ${plan.entries.length} artifacts (nothing is written)\n`);
            process.stdout.write(formatTable(['component', 'kind', 'ref', 'action', 'source', 'size'], plan.entries.map((e) => [e.component, e.kind, e.ref, e.action, e.source, e.size === undefined ? '-' : humanBytes(e.size)])) + '\n');
            for (const e of plan.entries.filter((x) => x.problem)) process.stdout.write(`${pc.red('BLOCKS BUILD')} ${e.kind} ${e.ref}: ${e.problem}\n`);
          }
          return problems ? EXIT.FAILED : EXIT.OK;
        }
        if (!o.out) {
          process.stderr.write(`${pc.red('error')}: --out is required (a folder, or a path ending in .tar)\n`);
          return EXIT.USAGE;
        }
        const r = await buildBundle(spec, { out: o.out, sign: o.sign, force: o.force, maxPartSize: o.maxPartSize ? parseSize(o.maxPartSize) : undefined, onEvent: cliEventSink({ quiet: o.json }) });
        if (o.json) printJson(r);
        else {
          process.stdout.write(formatTable(['component', 'kind', 'ref', 'size', 'sha256'], r.artifacts.map((a) => [a.component, a.kind, a.ref, humanBytes(a.size), a.sha256.slice(0, 16) + (a.deduplicated ? ' (same blob)' : '')])) + '\n');
          process.stdout.write(`Built ${r.out} (${r.layout}): ${r.artifacts.length} artifacts, ${r.blobs} blobs, ${humanBytes(r.contentBytes)} in ${r.seconds.toFixed(1)} s; ${r.signature ? `signed (${r.signature.alg}, key ${r.signature.keyId.slice(0, 16)}…)` : pc.yellow('UNSIGNED')}\n`);
          if (r.parts) process.stdout.write(`${r.parts.parts.length} parts of at most ${humanBytes(r.parts.partSize)}: ${r.parts.parts.map((p) => p.file).join(', ')}\n`);
        }
      }),
    );

  bundle
    .command('keygen')
    .description('Create an Ed25519 signing key pair (private key mode 0600)')
    .requiredOption('--out <dir>', 'folder for NAME.key.pem, NAME.pub.pem and NAME.keyid')
    .option('--name <name>', 'key name', 'vendor')
    .option('--json', 'machine-readable output')
    .action(
      action(async (o: { out: string; name: string; json?: boolean }) => {
        const r = await generateSigningKey(o.out, o.name);
        if (o.json) printJson(r);
        else process.stdout.write(`private key ${r.privateKeyFile} (keep it secret, never in the repository)\npublic key  ${r.publicKeyFile}\nkey id      ${r.keyId}\n`);
      }),
    );

  bundle
    .command('verify')
    .description('Verify a bundle: signature, layout, and the SHA-256 of every blob')
    .argument('<path>', 'bundle folder, .tar, .parts.json or any part')
    .option('--trust <pubkey>', 'also trust this public key PEM (repeatable)', collect)
    .option('--allow-unsigned', 'accept an unsigned or untrusted bundle (reported loudly)')
    .option('--full', 'hash everything even if the bundle passed before and is unchanged')
    .option('--cache-dir <dir>', 'where verification results are kept')
    .addOption(new Option('--concurrency <n>', 'hashing threads (the main thread plus workers)').argParser((v) => Number(v)))
    .option('--json', 'machine-readable output')
    .action(
      action(async (path: string, o: { trust?: string[]; allowUnsigned?: boolean; full?: boolean; cacheDir?: string; concurrency?: number; json?: boolean }) => {
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        try {
          const r = await verifyBundle(path, { ...trustOptions(o), allowUnsigned: o.allowUnsigned, full: o.full, concurrency: o.concurrency, signal: controller.signal, onEvent: cliEventSink({ quiet: o.json }) });
          if (o.json) printJson(r);
          else process.stdout.write(renderVerify(r) + '\n');
          return r.ok ? EXIT.OK : EXIT.FAILED;
        } finally {
          process.off('SIGINT', onSigint);
        }
      }),
    );

  bundle
    .command('inspect')
    .description('Show what a bundle holds and its signature status, without hashing')
    .argument('<path>', 'bundle folder, .tar, .parts.json or any part')
    .option('--trust <pubkey>', 'also trust this public key PEM (repeatable)', collect)
    .option('--cache-dir <dir>', 'where verification results are kept')
    .option('--json', 'machine-readable output')
    .action(
      action(async (path: string, o: { trust?: string[]; cacheDir?: string; json?: boolean }) => {
        const r = await inspectBundle(path, trustOptions(o));
        if (o.json) printJson(r);
        else process.stdout.write(renderInspect(r) + '\n');
        return r.problems.length ? EXIT.FAILED : EXIT.OK;
      }),
    );

  bundle
    .command('list')
    .description('Bundles found in the shipped bundles folder and the given folders')
    .argument('[dirs...]', 'folders to search')
    .option('--json', 'machine-readable output')
    .action(
      action(async (dirs: string[], o: { json?: boolean }) => {
        const paths = defaultAppPaths();
        const found = await listBundles([`${paths.resourcesDir}/bundles`, ...dirs]);
        if (o.json) printJson(found);
        else process.stdout.write(formatTable(['path', 'layout', 'name', 'version', 'size', 'signed'], found.map((b) => [b.path, b.layout, b.name ?? b.error ?? '?', b.version, humanBytes(b.totalBytes), b.signed ? 'yes' : 'no'])) + '\n');
      }),
    );
}

function signatureLine(s: SignatureResult): string {
  if (s.status === 'trusted') return pc.green(`signature: trusted (${s.keyName})`);
  return pc.bgRed(pc.white(` ${s.status.toUpperCase()} `)) + ' ' + pc.red(s.message);
}

/** The human verify report: artifact table, signature, problems, verdict. */
export function renderVerify(r: VerifyReport): string {
  const out: string[] = [];
  out.push(`Bundle ${r.name ?? '?'} ${r.version ?? ''} (${r.layout}) at ${r.path}`);
  out.push(signatureLine(r.signature));
  if (r.acceptedUnsigned) out.push(pc.bgRed(pc.white(' ACCEPTED WITHOUT A TRUSTED SIGNATURE (--allow-unsigned): ITS ORIGIN IS NOT PROVEN ')));
  if (r.artifacts.length) {
    out.push(
      formatTable(
        ['component', 'kind', 'ref', 'size', 'status'],
        r.artifacts.map((a) => [a.component, a.kind, a.ref, humanBytes(a.size), a.status === 'ok' ? pc.green('ok') : a.status === 'not-checked' ? pc.dim('not checked') : pc.red(a.status)]),
      ),
    );
  }
  for (const a of r.artifacts.filter((x) => x.message)) out.push(pc.red(`  ${a.kind} ${a.ref}: ${a.message}`));
  for (const p of r.problems) out.push(pc.red(`  ${p.message}`));
  for (const p of (r.parts ?? []).filter((x) => x.status !== 'ok' && x.status !== 'not-checked')) out.push(pc.red(`  part ${p.file}: ${p.status}`));
  const rate = r.bytesHashed && r.seconds ? ` (${(r.bytesHashed / r.seconds / 1e6).toFixed(0)} MB/s)` : '';
  out.push(
    r.ok
      ? pc.green(`OK: ${r.artifacts.length} artifacts, ${r.cached ? 'unchanged since the last verification (cached; --full to re-hash)' : `${humanBytes(r.bytesHashed)} hashed`} in ${r.seconds.toFixed(2)} s${r.cached ? '' : rate}`)
      : pc.red(`FAILED: ${r.problems.length + r.artifacts.filter((a) => a.status !== 'ok' && a.status !== 'not-checked').length} problem(s); do not use this bundle.`),
  );
  return out.join('\n');
}

export function renderInspect(r: InspectReport): string {
  const out: string[] = [];
  out.push(`Bundle ${r.name ?? '?'} ${r.version ?? ''} (${r.layout}) at ${r.path}`);
  if (r.description) out.push(r.description);
  out.push(`created ${r.created ?? '?'}, topologies ${r.topologies.join(', ')}, ${humanBytes(r.contentBytes)} of content, ${humanBytes(r.totalBytes)} on disk`);
  out.push(signatureLine(r.signature));
  out.push(`verification: ${r.verification === 'verified' ? pc.green(`verified ${r.verifiedAt}`) : r.verification === 'changed' ? pc.red('CHANGED since it was verified') : pc.yellow('not verified yet')}`);
  out.push(formatTable(['component', 'kind', 'ref', 'size', 'sha256'], r.artifacts.map((a) => [a.component, a.kind, a.ref, humanBytes(a.size), a.sha256.slice(0, 16)])));
  for (const p of r.problems) out.push(pc.red(`  ${p.message}`));
  return out.join('\n');
}
