import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { type Document, isMap, isSeq, stringify } from 'yaml';
import { ApplianceError } from '../errors.js';
import { createFileExclusive, writeFileAtomic } from './atomic-write.js';
import { sitePaths } from './paths.js';
import { secretsInTheWay } from './secrets.js';
import { SITE_SCHEMA_VERSION, SiteConfig, type Topology } from './schema.js';
import { parseYamlWithLines, schemaError } from './yaml-errors.js';

/** A loaded, validated site folder. */
export interface Site {
  dir: string;
  config: SiteConfig;
}

const FILE_LABEL = 'site.yaml';

async function readSiteText(dir: string): Promise<string> {
  const { siteYaml } = sitePaths(dir);
  try {
    return await readFile(siteYaml, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ApplianceError('NOT_FOUND', `No site at ${dir}: ${siteYaml} does not exist (create one with "appliance site init ${dir} --name ...").`, { dir });
    }
    throw e;
  }
}

function validate(doc: Document, lines: Parameters<typeof schemaError>[1]): SiteConfig {
  const result = SiteConfig.safeParse(doc.toJS());
  if (!result.success) throw schemaError(doc, lines, result.error.issues, FILE_LABEL);
  return result.data;
}

/**
 * Loads and validates `DIR/site.yaml`. A broken file fails with VALIDATION naming the line and
 * field, e.g. `site.yaml line 12: hosts[1].port: expected a number 1-65535, got "twenty-two"`.
 */
export async function loadSite(dir: string): Promise<Site> {
  const text = await readSiteText(dir);
  const { doc, lines } = parseYamlWithLines(text, FILE_LABEL);
  return { dir, config: validate(doc, lines) };
}

// One writer at a time per site folder inside this process; the rename keeps readers safe.
const writers = new Map<string, Promise<unknown>>();
function serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = writers.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  writers.set(key, next.catch(() => undefined));
  return next;
}

/**
 * Reads site.yaml, lets `mutate` change the config, validates the result and writes it
 * atomically. Only the parts that changed are replaced in the YAML document, so comments and
 * formatting elsewhere survive. Returns the new site.
 */
export async function updateSite(dir: string, mutate: (config: SiteConfig) => void | Promise<void>): Promise<Site> {
  return serialize(sitePaths(dir).siteYaml, async () => {
    const text = await readSiteText(dir);
    const { doc, lines } = parseYamlWithLines(text, FILE_LABEL);
    const before = validate(doc, lines);
    const draft = structuredClone(before);
    await mutate(draft);
    const result = SiteConfig.safeParse(draft);
    if (!result.success) {
      // Report against the would-be document so paths still read naturally.
      const { doc: d2, lines: l2 } = parseYamlWithLines(stringify(draft), FILE_LABEL);
      throw schemaError(d2, l2, result.error.issues, `${FILE_LABEL} (after the change)`);
    }
    applyChanges(doc, [], doc.toJS() as unknown, result.data);
    await writeFileAtomic(sitePaths(dir).siteYaml, String(doc));
    return { dir, config: result.data };
  });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Replaces only what differs between `before` and `after` under `path`, keeping comments on the rest. */
function applyChanges(doc: Document, path: (string | number)[], before: unknown, after: unknown): void {
  if (isDeepStrictEqual(before, after)) return;
  const node = path.length ? doc.getIn(path, true) : doc.contents;
  if (isPlainObject(before) && isPlainObject(after) && isMap(node)) {
    for (const key of Object.keys(before)) if (!(key in after) || after[key] === undefined) doc.deleteIn([...path, key]);
    for (const [key, value] of Object.entries(after)) {
      if (value === undefined) continue;
      if (key in before) applyChanges(doc, [...path, key], before[key], value);
      else doc.setIn([...path, key], doc.createNode(value));
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && isSeq(node)) {
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) applyChanges(doc, [...path, i], before[i], after[i]);
    for (let i = before.length - 1; i >= after.length; i--) doc.deleteIn([...path, i]);
    // `hosts: []` is a flow sequence; lists that grow read better in block style.
    if (after.length > before.length && before.length === 0) node.flow = false;
    for (let i = before.length; i < after.length; i++) node.items.push(doc.createNode(after[i]));
    return;
  }
  if (path.length === 0) doc.contents = doc.createNode(after) as typeof doc.contents;
  else doc.setIn(path, doc.createNode(after));
}

export interface InitSiteOptions {
  name: string;
  topology: Topology;
  domain?: string;
}

/**
 * Refuses (CONFLICT, nothing changed) a folder that holds what an earlier site left: site.yaml,
 * secrets.enc or a non-empty pki/ (its CA key). A new site there would lose or mix them up.
 */
export async function assertNoEarlierSite(dir: string): Promise<void> {
  const p = sitePaths(dir);
  if (await exists(p.siteYaml)) throw siteInTheWay(dir);
  if (await exists(p.secrets)) throw secretsInTheWay(dir);
  if ((await readdir(p.pkiDir).catch(() => [])).length) {
    throw new ApplianceError(
      'CONFLICT',
      `${dir} already holds pki/ (the CA key and certificates of an earlier site); nothing was changed. Move ${p.pkiDir} away or choose another folder; to recover that site, restore its site.yaml beside it.`,
      { dir, file: p.pkiDir },
    );
  }
}

function siteInTheWay(dir: string): ApplianceError {
  return new ApplianceError('CONFLICT', `A site already exists at ${dir} (${sitePaths(dir).siteYaml}); open it instead or choose another folder.`, { dir });
}

/**
 * Creates a site folder with the layout of DESIGN.md (site.yaml, pki/, checks/, reports/,
 * diagnostics/, empty journal and audit logs). Refuses (CONFLICT) a folder with an earlier
 * site in it (assertNoEarlierSite). secrets.enc is created by the caller (it needs the passphrase).
 */
export async function initSite(dir: string, opts: InitSiteOptions): Promise<Site> {
  await assertNoEarlierSite(dir);
  return createSiteFiles(dir, opts);
}

/**
 * The files of a new site; site.yaml is created exclusively, so of two creations at once
 * exactly one succeeds. Journal and audit logs are kept if they exist.
 */
export async function createSiteFiles(dir: string, opts: InitSiteOptions): Promise<Site> {
  const p = sitePaths(dir);
  const config = SiteConfig.parse({ schemaVersion: SITE_SCHEMA_VERSION, name: opts.name, topology: opts.topology, domain: opts.domain ?? 'hospital-erp.local', hosts: [] });
  await mkdir(dir, { recursive: true });
  for (const d of [p.pkiDir, p.checksDir, p.reportsDir, p.diagnosticsDir]) await mkdir(d, { recursive: true });
  for (const f of [p.journal, p.audit]) {
    await writeFile(f, '', { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  const header = [
    `# Airgap Appliance site "${opts.name}". Edit with care: "appliance site show" validates it.`,
    '# Secrets (passwords, key passphrases) are never stored here: they live in secrets.enc.',
  ].join('\n');
  try {
    await createFileExclusive(p.siteYaml, `${header}\n${stringify(config)}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw siteInTheWay(dir);
    throw e;
  }
  return { dir, config };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
