/**
 * Bundles: what the field engineer carries on a USB drive. Build from a spec, sign, verify
 * (signature first, then every blob hashed in parallel, cached when unchanged), inspect,
 * split for media, and open a verified bundle's artifacts for the install engine.
 */
export { buildBundle, planBuild, type BuildOptions, type BuildReport, type PlanEntry } from './build.js';
export { verifyBundle, assertReportOk, type VerifyOptions, type VerifyReport, type ArtifactReport, type ArtifactStatus, type BundleProblem, type TrustOptions } from './verify.js';
export { inspectBundle, type InspectReport } from './inspect.js';
export { listBundles, type FoundBundle } from './list.js';
export { openVerifiedBundle, assertVerified, type VerifiedBundle, type VerifiedOptions } from './verified.js';
export { generateSigningKey, loadTrustedKeys, keyIdOf, type TrustedKey } from './keys.js';
export { loadSpec, type BundleSpec, type LoadedSpec } from './spec.js';
export { parseSize } from './size.js';
export { type SignatureResult, type SignatureStatus } from './signature.js';
export { type Manifest, type ManifestArtifact, ARTIFACT_KINDS, TOPOLOGIES } from './manifest.js';
export { defaultTrustDirs } from './trust-dirs.js';
