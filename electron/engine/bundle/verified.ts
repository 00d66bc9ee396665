import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { ApplianceError } from '../errors.js';
import { streamSegments } from './byte-source.js';
import { loadTrustedKeys } from './keys.js';
import { type Manifest, type ManifestArtifact, parseManifest } from './manifest.js';
import type { SignatureResult } from './signature.js';
import { openBundle } from './source-layout.js';
import { cacheKey, readRecord, type VerifiedRecord } from './verify-cache.js';
import type { TrustOptions } from './verify.js';

export interface VerifiedOptions extends TrustOptions {
  cacheDir: string;
  /** The engineer accepted an unsigned/untrusted bundle for this site; otherwise only trusted ones open. */
  allowUnsigned?: boolean;
}

/** A bundle that passed verification and has not changed since: the install engine's only way in. */
export interface VerifiedBundle {
  path: string;
  manifest: Manifest;
  signature: SignatureResult;
  verifiedAt: string;
  artifacts: ManifestArtifact[];
  /** The artifact with this ref (NOT_FOUND if none). */
  artifact(ref: string): ManifestArtifact;
  /**
   * The artifact's bytes as a stream, hashed on the way: if they do not match the manifest the
   * stream fails with INTEGRITY before it ends, so a consumer never sees a clean end on bad data.
   */
  artifactStream(ref: string): Readable;
  /**
   * The artifact as a whole local file, when the bundle stores it as one (a folder bundle's
   * blob): uploads then read it in place and can resume. Null for blobs inside a tar or parts.
   */
  localFile(ref: string): string | null;
}

/**
 * Returns the stored verification record if the bundle at `path` passed and nothing about it
 * (files, manifest, trusted key set) changed since; throws INTEGRITY otherwise.
 */
export async function assertVerified(path: string, opts: VerifiedOptions): Promise<VerifiedRecord> {
  return (await check(path, opts)).record;
}

/** Opens a verified bundle for reading artifacts; throws INTEGRITY if it has not passed or changed since. */
export async function openVerifiedBundle(path: string, opts: VerifiedOptions): Promise<VerifiedBundle> {
  const { record, opened } = await check(path, opts);
  const manifest = parseManifest(opened.manifestBytes!);
  const byRef = new Map(manifest.artifacts.map((a) => [a.ref, a]));
  const artifact = (ref: string) => {
    const a = byRef.get(ref);
    if (!a) throw new ApplianceError('NOT_FOUND', `Bundle ${manifest.name} ${manifest.version} has no artifact "${ref}".`);
    return a;
  };
  return {
    path: opened.path,
    manifest,
    signature: record.signature,
    verifiedAt: record.verifiedAt,
    artifacts: manifest.artifacts,
    artifact,
    artifactStream(ref) {
      const a = artifact(ref);
      const f = opened.files.get(a.path);
      if (!f || f.size !== a.size) throw new ApplianceError('INTEGRITY', `${a.kind} ${a.ref}: blob ${a.path} changed since verification.`);
      return streamSegments(f.segments).pipe(digestGuard(a));
    },
    localFile(ref) {
      const a = artifact(ref);
      const f = opened.files.get(a.path);
      const only = f?.segments.length === 1 ? f.segments[0]! : undefined;
      return opened.layout === 'dir' && only && only.start === 0 && only.length === a.size ? only.file : null;
    },
  };
}

async function check(path: string, opts: VerifiedOptions) {
  const opened = await openBundle(path);
  const keys = await loadTrustedKeys({ dirs: opts.trustDirs, files: opts.trust });
  const record = await readRecord(opts.cacheDir, opened.path);
  const again = `Verify it again (appliance bundle verify ${opened.path}).`;
  if (!record) throw new ApplianceError('INTEGRITY', `Bundle ${opened.path} has not passed verification. ${again}`);
  if (opened.problems.length || !opened.manifestBytes || record.key !== cacheKey(opened, keys.map((k) => k.keyId))) {
    throw new ApplianceError('INTEGRITY', `Bundle ${opened.path} changed since it was verified (or the trusted keys changed). ${again}`);
  }
  if (record.acceptedUnsigned && !opts.allowUnsigned) {
    throw new ApplianceError('INTEGRITY', `Bundle ${opened.path} is ${record.signature.status.toUpperCase()}: it passed only with --allow-unsigned, and this step did not allow unsigned bundles.`);
  }
  return { record, opened };
}

function digestGuard(a: ManifestArtifact): Transform {
  const h = createHash('sha256');
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      n += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      const got = h.digest('hex');
      if (n !== a.size || got !== a.sha256) cb(new ApplianceError('INTEGRITY', `${a.kind} ${a.ref}: blob ${a.path} changed since verification (SHA-256 ${got}, expected ${a.sha256}).`));
      else cb();
    },
  });
}
