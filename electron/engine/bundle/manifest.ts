import { z } from 'zod';
import { ApplianceError } from '../errors.js';
import { ArtifactKind, Platform, Sha256Hex, Slug, Topology } from './primitives.js';
import { StackDeclaration, stackProblems } from './stack.js';
import { clip, describeValue, issueText, parseUntrustedJson } from './untrusted.js';

export { ARTIFACT_KINDS, ArtifactKind, Platform, Sha256Hex, Slug, TOPOLOGIES, Topology } from './primitives.js';

/** The media types written into the manifest, one per kind (assets by file extension). */
export const MEDIA_TYPES = {
  image: 'application/vnd.docker.image.archive.v1+tar',
  chart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  binary: 'application/octet-stream',
} as const;

export function mediaTypeFor(kind: ArtifactKind, ref: string): string {
  if (kind !== 'asset') return MEDIA_TYPES[kind];
  const r = ref.toLowerCase();
  if (r.endsWith('.yaml') || r.endsWith('.yml')) return 'application/yaml';
  if (r.endsWith('.json')) return 'application/json';
  if (r.endsWith('.sh')) return 'text/x-shellscript';
  if (r.endsWith('.tar.zst')) return 'application/zstd';
  if (r.endsWith('.tar.gz') || r.endsWith('.tgz')) return 'application/gzip';
  if (r.endsWith('.tar')) return 'application/x-tar';
  return 'application/octet-stream';
}

/** Longest free text (descriptions, install targets) a manifest may carry. */
export const MAX_TEXT = 4096;

export const ManifestArtifact = z
  .object({
    component: Slug,
    kind: ArtifactKind,
    ref: z.string().min(1).max(256),
    path: z.string().min(1).max(512),
    size: z.number().int().nonnegative(),
    sha256: Sha256Hex,
    mediaType: z.string().min(1).max(255),
    platform: Platform.optional(),
    target: z.string().max(MAX_TEXT).optional(),
    topologies: z.array(Topology).optional(),
    /** Images saved from a Docker daemon: the id `docker load` gives it (sha256 config digest). */
    imageId: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256: and 64 lowercase hex digits').optional(),
    /** Pulled images: `repository@sha256:...`, the registry manifest the tag resolved to at build time. */
    repoDigest: z.string().max(512).regex(/^\S+@sha256:[0-9a-f]{64}$/, 'must be repository@sha256:<64 hex digits>').optional(),
  })
  .strict();
export type ManifestArtifact = z.infer<typeof ManifestArtifact>;

export const Manifest = z
  .object({
    schemaVersion: z.literal(1),
    name: Slug,
    version: z.string().min(1).max(64),
    description: z.string().max(MAX_TEXT).optional(),
    created: z.string().datetime(),
    topologies: z.array(Topology).min(1),
    components: z.array(z.object({ name: Slug, description: z.string().max(MAX_TEXT).optional() }).strict()),
    artifacts: z.array(ManifestArtifact),
    /**
     * What the bundle installs and how (stack.ts), copied from the spec so the install engine
     * follows only a signed declaration. Optional: a bundle without it is still valid (it
     * just cannot be installed by the engine). Stored with its defaults filled in.
     */
    stack: StackDeclaration.optional(),
  })
  .strict();
export type Manifest = z.infer<typeof Manifest>;

export const SIGNATURE_ALGS = ['ed25519', 'rsa-pss-sha256'] as const;
export const ManifestSignature = z
  .object({
    alg: z.enum(SIGNATURE_ALGS),
    /** SHA-256 of the signer's SubjectPublicKeyInfo DER, hex (base64 accepted on read). */
    keyId: z.string().min(1).max(128),
    /** Base64 signature over the exact bytes of manifest.json. */
    signature: z.string().min(1).max(16384),
  })
  .strict();
export type ManifestSignature = z.infer<typeof ManifestSignature>;

/** NAME.parts.json beside a split bundle. Not signed: it only names a missing or corrupt part. */
export const PartsFile = z
  .object({
    schemaVersion: z.literal(1),
    file: z.string().min(1).max(255),
    size: z.number().int().nonnegative(),
    sha256: Sha256Hex,
    partSize: z.number().int().positive(),
    parts: z.array(z.object({ file: z.string().min(1).max(255), size: z.number().int().nonnegative(), sha256: Sha256Hex }).strict()).min(1),
  })
  .strict();
export type PartsFile = z.infer<typeof PartsFile>;

export const SUPPORTED_SCHEMA_VERSION = 1;
/** manifest.json larger than this is refused before parsing (a real one is a few KiB). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * Parses and validates manifest.json bytes. Throws INTEGRITY naming the problem: not JSON or
 * nested implausibly deep, an unknown schemaVersion, a field that does not match, a duplicate
 * component name or ref, an artifact naming a component that is not listed, or a stack
 * declaration naming artifacts the bundle does not have (or of the wrong kind). Values quoted in
 * messages are clipped (see untrusted.ts).
 */
export function parseManifest(bytes: Buffer): Manifest {
  const raw = parseUntrustedJson(bytes, 'manifest.json');
  const version = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).schemaVersion : undefined;
  if (version !== SUPPORTED_SCHEMA_VERSION) {
    const shown = describeValue(version);
    throw new ApplianceError(
      'INTEGRITY',
      `manifest.json has unknown schemaVersion ${shown}; this appliance reads schemaVersion ${SUPPORTED_SCHEMA_VERSION}. Use an appliance release that matches the bundle.`,
      { schemaVersion: shown },
    );
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) throw new ApplianceError('INTEGRITY', issueText('manifest.json', parsed.error));
  const m = parsed.data;
  const components = new Set<string>();
  for (const c of m.components) {
    if (components.has(c.name)) throw new ApplianceError('INTEGRITY', `manifest.json: component name "${c.name}" appears twice.`);
    components.add(c.name);
  }
  const refs = new Set<string>();
  for (const a of m.artifacts) {
    if (!components.has(a.component)) throw new ApplianceError('INTEGRITY', `manifest.json: artifact ${a.kind} ${clip(a.ref)} names component "${a.component}", which is not listed.`);
    if (refs.has(a.ref)) throw new ApplianceError('INTEGRITY', `manifest.json: ref "${clip(a.ref)}" appears twice.`);
    refs.add(a.ref);
  }
  if (m.stack) {
    const problem = stackProblems(m.stack, m.artifacts)[0];
    if (problem) throw new ApplianceError('INTEGRITY', `manifest.json: ${problem.path}: ${clip(problem.message)}.`);
  }
  return m;
}
