import { isApplianceError } from '../errors.js';
import { loadTrustedKeys } from './keys.js';
import { checkArtifactsAgainstLayout } from './manifest-checks.js';
import { type Manifest, parseManifest } from './manifest.js';
import { checkSignature, type SignatureResult } from './signature.js';
import { type LayoutProblem, openBundle, type PartState } from './source-layout.js';
import { clip } from './untrusted.js';
import { cacheKey, readRecord } from './verify-cache.js';
import type { TrustOptions } from './verify.js';

export interface InspectReport {
  path: string;
  layout: 'dir' | 'tar' | 'parts';
  name?: string;
  version?: string;
  description?: string;
  created?: string;
  topologies: string[];
  components: { name: string; description?: string; artifacts: number; bytes: number }[];
  artifacts: { component: string; kind: string; ref: string; path: string; size: number; sha256: string; mediaType: string; platform?: string; target?: string; topologies?: string[] }[];
  /** Sum of distinct blob sizes (identical blobs are stored once). */
  contentBytes: number;
  totalBytes: number;
  signature: SignatureResult;
  /** verified: passed and unchanged since; changed: passed once but files differ now; never: no record. */
  verification: 'verified' | 'changed' | 'never';
  verifiedAt?: string;
  problems: { code: string; message: string; path?: string }[];
  parts?: PartState[];
}

/**
 * What a bundle holds, its signature status and whether it is verified, without hashing any
 * blob. Problems are those verify finds without hashing (layout, manifest, invalid signature,
 * unsafe artifact paths, missing or wrong-sized blobs); an unsigned or untrusted signature is
 * reported in `signature`, not as a problem (verify refuses it unless told to accept it).
 */
export async function inspectBundle(path: string, opts: TrustOptions & { cacheDir: string }): Promise<InspectReport> {
  const opened = await openBundle(path);
  const keys = await loadTrustedKeys({ dirs: opts.trustDirs, files: opts.trust });
  const problems: { code: string; message: string; path?: string }[] = [...opened.problems];
  let manifest: Manifest | undefined;
  if (opened.manifestBytes) {
    try {
      manifest = parseManifest(opened.manifestBytes);
    } catch (e) {
      if (!isApplianceError(e)) throw e;
      problems.push({ code: 'manifest-invalid', message: e.message, path: 'manifest.json' });
    }
  }
  const signature: SignatureResult =
    manifest && opened.manifestBytes ? checkSignature(opened.manifestBytes, opened.sigBytes, keys) : { status: 'unsigned', message: 'no readable manifest.json' };
  if (signature.status === 'invalid') problems.push({ code: 'signature', path: 'manifest.sig', message: `${signature.message} Refused.` });
  if (manifest) {
    // The same checks verify makes before hashing, so inspect never calls a bundle fine that verify refuses.
    const rows = manifest.artifacts.map((a) => ({ ...a, status: 'not-checked', message: undefined as string | undefined }));
    const extra = checkArtifactsAgainstLayout(rows, opened);
    for (const a of rows) if (a.status !== 'not-checked') problems.push({ code: a.status, path: a.path, message: `${a.kind} ${clip(a.ref)}: ${a.message}` });
    problems.push(...extra);
  }
  const record = await readRecord(opts.cacheDir, opened.path);
  const current = record && record.key === cacheKey(opened, keys.map((k) => k.keyId));
  const artifacts = manifest?.artifacts ?? [];
  const distinct = new Map(artifacts.map((a) => [a.sha256, a.size]));
  return {
    path: opened.path,
    layout: opened.layout,
    name: manifest?.name,
    version: manifest?.version,
    description: manifest?.description,
    created: manifest?.created,
    topologies: manifest?.topologies ?? [],
    components: (manifest?.components ?? []).map((c) => {
      const mine = artifacts.filter((a) => a.component === c.name);
      return { ...c, artifacts: mine.length, bytes: mine.reduce((n, a) => n + a.size, 0) };
    }),
    artifacts,
    contentBytes: [...distinct.values()].reduce((n, s) => n + s, 0),
    totalBytes: opened.totalBytes,
    signature,
    verification: current ? 'verified' : record ? 'changed' : 'never',
    verifiedAt: current ? record.verifiedAt : undefined,
    problems: problems.map((p: LayoutProblem | { code: string; message: string; path?: string }) => ({ code: p.code, message: p.message, ...(p.path ? { path: p.path } : {}) })),
    parts: opened.parts,
  };
}
