import { z } from 'zod';

/**
 * Zod schemas of what the bundle engine returns, for the contract's output validation. They
 * list every field explicitly (no passthrough): nothing secret is ever part of a report, and
 * anything not listed here is stripped before it reaches the renderer.
 */
export const SignatureResultSchema = z.object({
  status: z.enum(['unsigned', 'untrusted', 'trusted', 'invalid']),
  keyName: z.string().optional(),
  keyId: z.string().optional(),
  alg: z.string().optional(),
  message: z.string(),
});

const Layout = z.enum(['dir', 'tar', 'parts']);

export const PartStateSchema = z.object({
  file: z.string(),
  size: z.number(),
  sha256: z.string(),
  status: z.enum(['ok', 'missing', 'size-mismatch', 'corrupt', 'not-checked']),
  actualSize: z.number().optional(),
});

/** What every report says of one artifact, as listed in its manifest. */
const ArtifactRowSchema = z.object({
  component: z.string(),
  kind: z.string(),
  ref: z.string(),
  path: z.string(),
  size: z.number(),
  sha256: z.string(),
  mediaType: z.string(),
});

export const ProblemSchema = z.object({ code: z.string(), message: z.string(), path: z.string().optional() });

export const VerifyReportSchema = z.object({
  path: z.string(),
  layout: Layout,
  ok: z.boolean(),
  cached: z.boolean(),
  name: z.string().optional(),
  version: z.string().optional(),
  created: z.string().optional(),
  signature: SignatureResultSchema,
  acceptedUnsigned: z.boolean(),
  artifacts: z.array(
    ArtifactRowSchema.extend({
      status: z.enum(['ok', 'missing', 'size-mismatch', 'digest-mismatch', 'unsafe-path', 'unreadable', 'not-checked']),
      actualSize: z.number().optional(),
      actualSha256: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
  problems: z.array(ProblemSchema),
  parts: z.array(PartStateSchema).optional(),
  totalBytes: z.number(),
  bytesHashed: z.number(),
  seconds: z.number(),
});

export const InspectReportSchema = z.object({
  path: z.string(),
  layout: Layout,
  name: z.string().optional(),
  version: z.string().optional(),
  description: z.string().optional(),
  created: z.string().optional(),
  topologies: z.array(z.string()),
  components: z.array(z.object({ name: z.string(), description: z.string().optional(), artifacts: z.number(), bytes: z.number() })),
  artifacts: z.array(
    ArtifactRowSchema.extend({
      platform: z.string().optional(),
      target: z.string().optional(),
      topologies: z.array(z.string()).optional(),
    }),
  ),
  contentBytes: z.number(),
  totalBytes: z.number(),
  signature: SignatureResultSchema,
  verification: z.enum(['verified', 'changed', 'never']),
  verifiedAt: z.string().optional(),
  problems: z.array(ProblemSchema),
  parts: z.array(PartStateSchema).optional(),
});

export const FoundBundleSchema = z.object({
  path: z.string(),
  layout: Layout,
  name: z.string().optional(),
  version: z.string().optional(),
  signed: z.boolean(),
  totalBytes: z.number(),
  error: z.string().optional(),
});
