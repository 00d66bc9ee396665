import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { ApplianceError } from '../errors.js';
import { ArtifactKind, Platform, Slug, Topology } from './primitives.js';
import { StackDeclaration, stackProblems } from './stack.js';

/** A sha256 still to be filled on the build machine: `build` refuses it, `--dry-run` flags it. */
export const PLACEHOLDER_PREFIX = 'PLACEHOLDER';

const RelPath = z.string().min(1);
const Source = z
  .object({
    archive: RelPath.optional(),
    docker: z.string().min(1).optional(),
    pull: z.string().min(1).optional(),
    platform: Platform.optional(),
    dir: RelPath.optional(),
    file: RelPath.optional(),
    url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').optional(),
    sha256: z.string().regex(new RegExp(`^([0-9a-f]{64}|${PLACEHOLDER_PREFIX}.*)$`), 'must be 64 lowercase hex digits (or PLACEHOLDER...)').optional(),
  })
  .strict();

export const SOURCE_KINDS = ['archive', 'docker', 'pull', 'dir', 'file', 'url'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Which sources each kind accepts. */
const ALLOWED: Record<z.infer<typeof ArtifactKind>, SourceKind[]> = {
  image: ['archive', 'docker', 'pull'],
  chart: ['dir', 'file', 'url'],
  binary: ['file', 'url'],
  asset: ['file', 'url'],
};

const SpecArtifact = z
  .object({
    kind: ArtifactKind,
    ref: z.string().min(1).max(256).regex(/^\S+$/, 'must not contain spaces'),
    source: Source,
    platform: Platform.optional(),
    target: z.string().regex(/^\//, 'must be an absolute path on the node').optional(),
    topologies: z.array(Topology).min(1).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const present = SOURCE_KINDS.filter((k) => a.source[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: `needs exactly one of ${SOURCE_KINDS.join(', ')} (found ${present.join(', ') || 'none'})` });
      return;
    }
    const kind = present[0]!;
    if (!ALLOWED[a.kind].includes(kind)) ctx.addIssue({ code: 'custom', path: ['source', kind], message: `${a.kind === 'image' || a.kind === 'asset' ? 'an' : 'a'} ${a.kind} cannot come from "${kind}" (use ${ALLOWED[a.kind].join(', ')})` });
    if (kind === 'url' && !a.source.sha256) ctx.addIssue({ code: 'custom', path: ['source'], message: 'a url source needs sha256 (the digest published with the download)' });
    if (kind !== 'url' && a.source.sha256) ctx.addIssue({ code: 'custom', path: ['source', 'sha256'], message: 'sha256 is only for url sources' });
    if (kind !== 'pull' && a.source.platform) ctx.addIssue({ code: 'custom', path: ['source', 'platform'], message: 'platform in source is only for pull (put it on the artifact instead)' });
  });

export const BundleSpec = z
  .object({
    schemaVersion: z.literal(1),
    name: Slug,
    version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/, 'must be a version such as 1.2.0'),
    description: z.string().optional(),
    topologies: z.array(Topology).min(1),
    components: z.array(z.object({ name: Slug, description: z.string().optional(), artifacts: z.array(SpecArtifact).min(1) }).strict()).min(1),
    /** What the bundle installs and how (stack.ts; docs/bundles.md "The stack"); copied into the signed manifest. */
    stack: StackDeclaration.optional(),
  })
  .strict();
export type BundleSpec = z.infer<typeof BundleSpec>;
export type SpecArtifact = z.infer<typeof SpecArtifact>;

/** One artifact of a loaded spec, with its component and where it came from in the file. */
export interface PlannedArtifact extends SpecArtifact {
  component: string;
  sourceKind: SourceKind;
  /** The source as written (path, image or URL). */
  sourceValue: string;
  /** Absolute path for archive/dir/file sources. */
  sourcePath?: string;
  /** "file:line" of the artifact, for messages. */
  where: string;
}

export interface LoadedSpec {
  file: string;
  dir: string;
  spec: BundleSpec;
  artifacts: PlannedArtifact[];
}

export interface SpecIssue {
  line: number;
  column: number;
  path: string;
  message: string;
}

/**
 * Reads and validates a bundle spec (YAML). Every problem is reported as
 * `file:line:column: path.to.field: message`; the error's details list all of them.
 */
export async function loadSpec(file: string): Promise<LoadedSpec> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    throw new ApplianceError('NOT_FOUND', `Bundle spec ${file} does not exist.`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const issues: SpecIssue[] = [];
  for (const e of doc.errors) {
    const pos = lc.linePos(e.pos[0]);
    issues.push({ line: pos.line, column: pos.col, path: '(yaml)', message: e.message.split('\n')[0]! });
  }
  if (issues.length) throw specError(file, issues);

  const at = (path: (string | number)[]) => {
    // Walk down as far as the path exists, so a missing key points at its parent.
    let node: unknown = doc.contents;
    for (const k of path) {
      const next = isMap(node) || isSeq(node) ? (node as { get(k: unknown, keep: true): unknown }).get(k, true) : undefined;
      if (!next || typeof next !== 'object' || !('range' in (next as object))) break;
      node = next;
    }
    const range = (node as YamlNode | null)?.range;
    return lc.linePos(range ? range[0] : 0);
  };
  const parsed = BundleSpec.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const pos = at(path);
      issues.push({ line: pos.line, column: pos.col, path: formatPath(path), message: i.message });
    }
    throw specError(file, issues);
  }
  const spec = parsed.data;
  const dir = dirname(abs);
  const artifacts: PlannedArtifact[] = [];
  const refs = new Map<string, string>();
  const components = new Set<string>();
  spec.components.forEach((c, ci) => {
    if (components.has(c.name)) issues.push({ ...lineCol(at(['components', ci, 'name'])), path: `components[${ci}].name`, message: `component "${c.name}" appears twice` });
    components.add(c.name);
    c.artifacts.forEach((a, ai) => {
      const p = ['components', ci, 'artifacts', ai];
      const pos = at(p);
      const where = `${file}:${pos.line}`;
      if (refs.has(a.ref)) issues.push({ ...lineCol(at([...p, 'ref'])), path: `${formatPath(p)}.ref`, message: `ref "${a.ref}" is already used at ${refs.get(a.ref)}` });
      refs.set(a.ref, where);
      for (const t of a.topologies ?? []) {
        if (!spec.topologies.includes(t)) issues.push({ ...lineCol(at([...p, 'topologies'])), path: `${formatPath(p)}.topologies`, message: `"${t}" is not one of the bundle's topologies (${spec.topologies.join(', ')})` });
      }
      const sourceKind = SOURCE_KINDS.find((k) => a.source[k] !== undefined)!;
      const sourceValue = a.source[sourceKind]!;
      const local = sourceKind === 'archive' || sourceKind === 'dir' || sourceKind === 'file';
      artifacts.push({ ...a, component: c.name, sourceKind, sourceValue, ...(local ? { sourcePath: resolve(dir, sourceValue) } : {}), where });
    });
  });
  if (spec.stack) {
    for (const p of stackProblems(spec.stack, artifacts)) {
      const path = parsePath(p.path);
      issues.push({ ...lineCol(at(path)), path: p.path, message: p.message });
    }
    for (const t of spec.stack.topologies ?? []) {
      if (!spec.topologies.includes(t)) issues.push({ ...lineCol(at(['stack', 'topologies'])), path: 'stack.topologies', message: `"${t}" is not one of the bundle's topologies (${spec.topologies.join(', ')})` });
    }
  }
  if (issues.length) throw specError(file, issues);
  return { file: abs, dir, spec, artifacts };
}

function lineCol(p: { line: number; col: number }) {
  return { line: p.line, column: p.col };
}

/** "stack.docker.packages[0].debs[1]" -> ['stack', 'docker', 'packages', 0, 'debs', 1] (the inverse of formatPath). */
function parsePath(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

function specError(file: string, issues: SpecIssue[]): ApplianceError {
  const lines = issues.map((i) => `${file}:${i.line}:${i.column}: ${i.path}: ${i.message}`);
  return new ApplianceError('VALIDATION', `Bundle spec is invalid:\n  ${lines.join('\n  ')}`, { issues });
}
