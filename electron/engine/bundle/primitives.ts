import { z } from 'zod';

/**
 * Small schemas shared by the manifest, the spec and the stack declaration. They live apart
 * from manifest.ts because the manifest embeds the stack declaration (stack.ts), which needs
 * these too: one module each way would be an import cycle.
 */

/** Kinds of artifact a bundle carries. */
export const ARTIFACT_KINDS = ['image', 'chart', 'binary', 'asset'] as const;
export const TOPOLOGIES = ['single', 'k3s-3'] as const;
export const ArtifactKind = z.enum(ARTIFACT_KINDS);
export const Topology = z.enum(TOPOLOGIES);
export type ArtifactKind = z.infer<typeof ArtifactKind>;

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
/** Bundle and component names: lowercase, digits, dot, dash, underscore. */
export const Slug = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be lowercase letters, digits, ".", "-" or "_" (max 63)');
export const Platform = z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'must look like linux/amd64');
