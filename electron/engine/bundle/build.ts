import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ApplianceError, throwIfAborted } from '../errors.js';
import { createProgressMeter, type OnEvent } from '../events/index.js';
import { CHUNK } from './byte-source.js';
import { canonicalJson } from './canonical-json.js';
import { loadSigningKey, signManifest } from './keys.js';
import { Manifest, type ManifestArtifact, mediaTypeFor, type PartsFile } from './manifest.js';
import { blobPath, BLOB_DIR, MANIFEST_FILE, SIGNATURE_FILE } from './paths.js';
import { type OutputLayout, removeReplaceable, replaceablePaths } from './replace-output.js';
import { FAT32_MAX_FILE } from './size.js';
import { label, type Materialized, materialize, precheck } from './sources/index.js';
import { writeHashed } from './sources/hashed-write.js';
import { loadSpec, type PlannedArtifact } from './spec.js';
import { SplitWriter } from './split-writer.js';
import { writeBundleTar } from './tar-writer.js';
import { issueText } from './untrusted.js';
import { sha256Hex } from './verify-cache.js';

export interface BuildOptions {
  /** A folder, or a path ending in .tar for one tar file (or parts with maxPartSize). */
  out: string;
  /** PEM private key (Ed25519 or RSA) to sign manifest.json with. */
  sign?: string;
  /** Split the tar into parts of at most this many bytes (out must end in .tar). */
  maxPartSize?: number;
  /** Replace an existing output, only if it is recognisably an earlier bundle output (else CONFLICT). */
  force?: boolean;
  /** Fixed creation time (default SOURCE_DATE_EPOCH, else now). */
  created?: Date;
  onEvent?: OnEvent;
  signal?: AbortSignal;
  task?: string;
}

export interface BuildReport {
  out: string;
  layout: 'dir' | 'tar' | 'parts';
  name: string;
  version: string;
  created: string;
  manifestSha256: string;
  signature: { alg: string; keyId: string } | null;
  artifacts: { component: string; kind: string; ref: string; size: number; sha256: string; deduplicated: boolean }[];
  blobs: number;
  contentBytes: number;
  parts?: PartsFile;
  seconds: number;
}

export interface PlanEntry {
  component: string;
  kind: string;
  ref: string;
  source: string;
  action: string;
  size?: number;
  problem?: string;
}

const ACTIONS: Record<PlannedArtifact['sourceKind'], string> = {
  archive: 'copy docker-archive',
  file: 'copy file',
  dir: 'package chart folder (deterministic .tgz)',
  docker: 'docker save from the local daemon',
  pull: 'docker pull, then docker save',
  url: 'download, check sha256',
};

/** What `build` would fetch or copy, with problems it would stop on; reads no content. */
export async function planBuild(specFile: string): Promise<{ name: string; version: string; entries: PlanEntry[] }> {
  const loaded = await loadSpec(specFile);
  const entries: PlanEntry[] = [];
  for (const a of loaded.artifacts) {
    const pre = await precheck(a);
    const platform = a.source.platform ?? a.platform;
    entries.push({
      component: a.component,
      kind: a.kind,
      ref: a.ref,
      source: `${a.sourceKind}: ${a.sourceValue}${platform ? ` (${platform})` : ''}`,
      action: ACTIONS[a.sourceKind],
      ...(pre.size !== undefined ? { size: pre.size } : {}),
      ...(pre.problem ? { problem: pre.problem } : {}),
    });
  }
  return { name: loaded.spec.name, version: loaded.spec.version, entries };
}

/**
 * Builds a bundle from a spec: fetches or copies every artifact (streamed, hashed once as it is
 * produced), stores identical blobs once under blobs/sha256/<digest>, writes a canonical
 * manifest.json (identical inputs give identical bytes apart from `created`), signs it, and
 * writes a folder, a tar, or a tar split into parts with NAME.parts.json. Output appears only
 * when complete (written under a .partial name, then renamed).
 */
export async function buildBundle(specFile: string, opts: BuildOptions): Promise<BuildReport> {
  const started = performance.now();
  const task = opts.task ?? 'bundle.build';
  const onEvent = opts.onEvent ?? (() => {});
  const log = (line: string, stream: 'info' | 'warn' = 'info') => onEvent({ type: 'log', task, stream, line });
  const loaded = await loadSpec(specFile);
  const problems: string[] = [];
  for (const a of loaded.artifacts) {
    const pre = await precheck(a);
    if (pre.problem) problems.push(`${label(a)}: ${pre.problem}`);
  }
  if (problems.length) {
    const missing = problems.some((p) => p.includes('does not exist'));
    throw new ApplianceError(missing ? 'NOT_FOUND' : 'VALIDATION', `Cannot build ${loaded.spec.name}:\n  ${problems.join('\n  ')}`, { problems });
  }
  const key = opts.sign ? await loadSigningKey(opts.sign) : null;
  const out = resolve(opts.out);
  const tarMode = out.endsWith('.tar');
  if (opts.maxPartSize && !tarMode) throw new ApplianceError('VALIDATION', `--max-part-size needs --out ending in .tar (got ${opts.out}).`);
  if (opts.maxPartSize && opts.maxPartSize > FAT32_MAX_FILE) log(`parts of ${opts.maxPartSize} bytes do not fit on FAT32 (limit 4 GiB minus 1 byte); use --max-part-size 4095M for FAT32 media.`, 'warn');
  const base = tarMode ? out.slice(0, -'.tar'.length) : out;
  const finalPaths = opts.maxPartSize ? [`${base}.parts.json`, `${out}.part-001`] : [out];
  const layout: OutputLayout = opts.maxPartSize ? 'parts' : tarMode ? 'tar' : 'dir';
  for (const p of finalPaths) {
    if ((await stat(p).catch(() => null)) && !opts.force) throw new ApplianceError('CONFLICT', `${p} already exists (use --force to replace it).`);
  }
  // Before fetching anything: --force replaces an earlier bundle output, never an unrelated folder or file.
  if (opts.force) await replaceablePaths(out, layout);
  await mkdir(dirname(out), { recursive: true });
  const workDir = join(dirname(out), `.${basename(out)}.work-${process.pid}`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const created = (opts.created ?? (process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date())).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const partials: string[] = [];
  try {
    // 1. Fetch / copy / package every artifact, hashing as it goes.
    const byDigest = new Map<string, Materialized & { label: string }>();
    const artifacts: ManifestArtifact[] = [];
    const reportArtifacts: BuildReport['artifacts'] = [];
    for (const [i, a] of loaded.artifacts.entries()) {
      throwIfAborted(opts.signal);
      log(`${ACTIONS[a.sourceKind]}: ${a.kind} ${a.ref} <- ${a.sourceValue}`);
      const meter = createProgressMeter({ task, label: `${a.kind} ${a.ref}`, total: (await precheck(a)).size ?? null, onEvent });
      const m = await materialize(a, i, { workDir, signal: opts.signal, onBytes: (n) => meter.add(n) });
      meter.finish();
      const dup = byDigest.has(m.sha256);
      if (!dup) byDigest.set(m.sha256, { ...m, label: label(a) });
      artifacts.push({
        component: a.component,
        kind: a.kind,
        ref: a.ref,
        path: blobPath(m.sha256),
        size: m.size,
        sha256: m.sha256,
        mediaType: mediaTypeFor(a.kind, a.ref),
        ...(a.source.platform ?? a.platform ? { platform: a.source.platform ?? a.platform } : {}),
        ...(a.target ? { target: a.target } : {}),
        ...(a.topologies ? { topologies: [...a.topologies].sort() } : {}),
        ...m.image,
      });
      reportArtifacts.push({ component: a.component, kind: a.kind, ref: a.ref, size: m.size, sha256: m.sha256, deduplicated: dup });
    }

    // 2. The manifest: sorted arrays, canonical JSON, so equal inputs give equal bytes.
    const manifest: Manifest = {
      schemaVersion: 1,
      name: loaded.spec.name,
      version: loaded.spec.version,
      ...(loaded.spec.description ? { description: loaded.spec.description } : {}),
      created,
      topologies: [...loaded.spec.topologies].sort(),
      components: loaded.spec.components.map((c) => ({ name: c.name, ...(c.description ? { description: c.description } : {}) })).sort((x, y) => x.name.localeCompare(y.name)),
      artifacts: artifacts.sort((x, y) => x.component.localeCompare(y.component) || x.kind.localeCompare(y.kind) || x.ref.localeCompare(y.ref)),
      // What the bundle installs and how: signed with the rest, so the installer only follows a signed declaration.
      ...(loaded.spec.stack ? { stack: loaded.spec.stack } : {}),
    };
    // The manifest must pass the schema verify applies, or the bundle could never be used.
    const selfCheck = Manifest.safeParse(manifest);
    if (!selfCheck.success) throw new ApplianceError('VALIDATION', `Cannot build ${loaded.spec.name}: ${issueText('its manifest.json', selfCheck.error)}`);
    const manifestBytes = Buffer.from(canonicalJson(manifest));
    const sig = key ? signManifest(manifestBytes, key) : null;
    const sigBytes = sig ? Buffer.from(canonicalJson(sig)) : null;
    if (!sig) log('bundle is NOT signed (no --sign): verify will refuse it unless --allow-unsigned.', 'warn');
    const blobs = [...byDigest.values()];
    const contentBytes = blobs.reduce((n, b) => n + b.size, 0);
    const meter = createProgressMeter({ task, label: 'writing bundle', total: contentBytes, onEvent });
    let parts: PartsFile | undefined;

    // 3. Write the output under a .partial name.
    if (!tarMode) {
      const staging = `${out}.partial-${process.pid}`;
      partials.push(staging);
      await mkdir(join(staging, BLOB_DIR), { recursive: true });
      await writeFile(join(staging, MANIFEST_FILE), manifestBytes, { mode: 0o644 });
      if (sigBytes) await writeFile(join(staging, SIGNATURE_FILE), sigBytes, { mode: 0o644 });
      for (const b of blobs) {
        const dest = join(staging, blobPath(b.sha256));
        if (b.temporary) {
          await rename(b.file, dest);
          meter.add(b.size);
        } else {
          const d = await writeHashed(createReadStream(b.file, { highWaterMark: CHUNK }), dest, { signal: opts.signal, onBytes: (n) => meter.add(n) });
          if (d.sha256 !== b.sha256) throw new ApplianceError('INTEGRITY', `${b.label}: ${b.file} changed while the bundle was being written.`);
        }
      }
      if (opts.force) await removeReplaceable(out, 'dir');
      await rename(staging, out);
    } else if (!opts.maxPartSize) {
      const tmp = `${out}.partial-${process.pid}`;
      partials.push(tmp);
      await writeBundleTar(createWriteStream(tmp, { mode: 0o644 }), { manifest: manifestBytes, signature: sigBytes, blobs, mtime: new Date(created) }, { signal: opts.signal, onBytes: (n) => meter.add(n) });
      if (opts.force) await replaceablePaths(out, 'tar'); // still an earlier bundle tar: rename replaces it atomically
      await rename(tmp, out);
    } else {
      const writer = new SplitWriter(out, opts.maxPartSize);
      const cleanup = () => writer.parts.map((p) => `${p.path}.partial`);
      try {
        await writeBundleTar(writer, { manifest: manifestBytes, signature: sigBytes, blobs, mtime: new Date(created) }, { signal: opts.signal, onBytes: (n) => meter.add(n) });
      } catch (e) {
        partials.push(...cleanup());
        throw e;
      }
      if (opts.force) await removeReplaceable(out, 'parts');
      for (const p of writer.parts) await rename(`${p.path}.partial`, p.path);
      parts = { schemaVersion: 1, file: basename(out), size: writer.result.size, sha256: writer.result.sha256, partSize: opts.maxPartSize, parts: writer.parts.map(({ file, size, sha256 }) => ({ file, size, sha256 })) };
      await writeFile(`${base}.parts.json`, canonicalJson(parts), { mode: 0o644 });
    }
    meter.finish();
    log(`built ${manifest.name} ${manifest.version}: ${artifacts.length} artifacts, ${blobs.length} blobs${sig ? `, signed by ${sig.keyId.slice(0, 16)}…` : ', UNSIGNED'}`);
    return {
      out: opts.maxPartSize ? `${base}.parts.json` : out,
      layout: opts.maxPartSize ? 'parts' : tarMode ? 'tar' : 'dir',
      name: manifest.name,
      version: manifest.version,
      created,
      manifestSha256: sha256Hex(manifestBytes),
      signature: sig ? { alg: sig.alg, keyId: sig.keyId } : null,
      artifacts: reportArtifacts,
      blobs: blobs.length,
      contentBytes,
      ...(parts ? { parts } : {}),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
    for (const p of partials) await rm(p, { recursive: true, force: true });
  }
}
