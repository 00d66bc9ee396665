import { ApplianceError, isApplianceError, throwIfAborted } from '../errors.js';
import { createProgressMeter, type OnEvent } from '../events/index.js';
import { hashJobs } from './hash-pool.js';
import { loadTrustedKeys } from './keys.js';
import { type Manifest, parseManifest } from './manifest.js';
import { checkArtifactsAgainstLayout } from './manifest-checks.js';
import { checkSignature, type SignatureResult } from './signature.js';
import { type LayoutProblem, type OpenedBundle, openBundle, type PartState } from './source-layout.js';
import { cacheKey, dropRecord, readRecord, sha256Hex, writeRecord } from './verify-cache.js';

/** Where trusted public keys come from: *.pub.pem in `trustDirs`, plus the files in `trust`. */
export interface TrustOptions {
  trustDirs?: string[];
  trust?: string[];
}

export interface VerifyOptions extends TrustOptions {
  /** Where verification results are kept (see verify-cache.ts). */
  cacheDir: string;
  /** Accept an unsigned or untrusted bundle (the report says so loudly). Never accepts an invalid signature. */
  allowUnsigned?: boolean;
  /** Hash everything even if an unchanged bundle passed before. */
  full?: boolean;
  concurrency?: number;
  onEvent?: OnEvent;
  signal?: AbortSignal;
  task?: string;
}

export type ArtifactStatus = 'ok' | 'missing' | 'size-mismatch' | 'digest-mismatch' | 'unsafe-path' | 'unreadable' | 'not-checked';

export interface ArtifactReport {
  component: string;
  kind: string;
  ref: string;
  path: string;
  size: number;
  sha256: string;
  mediaType: string;
  status: ArtifactStatus;
  actualSize?: number;
  actualSha256?: string;
  message?: string;
}

export interface BundleProblem {
  code: LayoutProblem['code'] | 'manifest-invalid' | 'signature' | 'part-corrupt';
  message: string;
  path?: string;
}

export interface VerifyReport {
  path: string;
  layout: OpenedBundle['layout'];
  ok: boolean;
  /** True when the result came from the cache (unchanged bundle, nothing hashed). */
  cached: boolean;
  name?: string;
  version?: string;
  created?: string;
  signature: SignatureResult;
  /** True when accepted only because of allowUnsigned: show this loudly. */
  acceptedUnsigned: boolean;
  artifacts: ArtifactReport[];
  problems: BundleProblem[];
  parts?: PartState[];
  totalBytes: number;
  bytesHashed: number;
  seconds: number;
}

/**
 * Verifies a bundle (folder, .tar, or split parts): layout (no escaping paths, links, devices,
 * duplicates or unlisted files), manifest schema, signature against the trusted keys (before any
 * hashing), then every blob's size and SHA-256 on a worker pool with progress events. A pass is
 * recorded in the cache so an unchanged bundle re-verifies in well under a second and so
 * `openVerifiedBundle` can later hand out its artifacts. Integrity failures are reported, not
 * thrown: `ok` is false and each artifact and problem says what is wrong.
 */
export async function verifyBundle(path: string, opts: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const task = opts.task ?? 'bundle.verify';
  const onEvent = opts.onEvent ?? (() => {});
  const log = (stream: 'info' | 'warn' | 'error', line: string) => onEvent({ type: 'log', task, stream, line });
  const opened = await openBundle(path);
  const keys = await loadTrustedKeys({ dirs: opts.trustDirs, files: opts.trust });
  const problems: BundleProblem[] = [...opened.problems];
  let artifacts: ArtifactReport[] = [];
  let manifest: Manifest | undefined;
  let signature: SignatureResult = { status: 'unsigned', message: 'not checked: no readable manifest.json' };
  let bytesHashed = 0;
  let cached = false;

  const report = (): VerifyReport => {
    const ok = problems.length === 0 && artifacts.length > 0 && artifacts.every((a) => a.status === 'ok');
    return {
      path: opened.path,
      layout: opened.layout,
      ok,
      cached,
      name: manifest?.name,
      version: manifest?.version,
      created: manifest?.created,
      signature,
      acceptedUnsigned: ok && signature.status !== 'trusted',
      artifacts,
      problems,
      parts: opened.parts,
      totalBytes: opened.totalBytes,
      bytesHashed,
      seconds: (performance.now() - started) / 1000,
    };
  };

  if (opened.manifestBytes) {
    try {
      manifest = parseManifest(opened.manifestBytes);
    } catch (e) {
      if (!isApplianceError(e)) throw e;
      problems.push({ code: 'manifest-invalid', path: 'manifest.json', message: e.message });
    }
  }
  if (manifest && opened.manifestBytes) {
    signature = checkSignature(opened.manifestBytes, opened.sigBytes, keys);
    log(signature.status === 'trusted' ? 'info' : 'warn', `signature: ${signature.message}`);
    artifacts = manifest.artifacts.map((a) => ({ ...a, status: 'not-checked' as ArtifactStatus }));
    const refused = signature.status === 'invalid' || (signature.status !== 'trusted' && !opts.allowUnsigned);
    if (refused) {
      problems.push({ code: 'signature', path: 'manifest.sig', message: `${signature.message} Refused${signature.status === 'invalid' ? '' : ' (pass --allow-unsigned to accept an unsigned or untrusted bundle)'}.` });
    } else {
      if (signature.status !== 'trusted') log('warn', `ACCEPTING A BUNDLE WITHOUT A TRUSTED SIGNATURE (${signature.status.toUpperCase()}): its origin is not proven.`);
      problems.push(...checkArtifactsAgainstLayout(artifacts, opened));
      const key = cacheKey(opened, keys.map((k) => k.keyId));
      const previous = !opts.full && problems.length === 0 ? await readRecord(opts.cacheDir, opened.path) : null;
      if (previous && previous.key === key && artifacts.every((a) => a.status === 'not-checked')) {
        cached = true;
        for (const a of artifacts) a.status = 'ok';
        log('info', `unchanged since verified at ${previous.verifiedAt}: not re-hashing (use --full to force).`);
      } else {
        bytesHashed = await hashArtifacts(artifacts, opened, { ...opts, task, onEvent });
      }
      const r = report();
      if (r.ok) {
        await writeRecord(opts.cacheDir, {
          path: opened.path,
          key,
          manifestSha256: sha256Hex(opened.manifestBytes),
          verifiedAt: cached && previous ? previous.verifiedAt : new Date().toISOString(),
          signature,
          acceptedUnsigned: signature.status !== 'trusted',
          bytesHashed: r.bytesHashed,
        });
        return r;
      }
    }
  }
  await dropRecord(opts.cacheDir, opened.path);
  if (opened.layout === 'parts' && opened.parts) await diagnoseParts(opened.parts, problems, opts);
  for (const a of artifacts.filter((x) => x.status !== 'ok' && x.status !== 'not-checked')) log('error', `${a.kind} ${a.ref} (${a.path}): ${a.message}`);
  for (const p of problems) log('error', p.message);
  return report();
}

async function hashArtifacts(artifacts: ArtifactReport[], opened: OpenedBundle, opts: VerifyOptions & { task: string; onEvent: OnEvent }): Promise<number> {
  const pending = new Map<string, ArtifactReport[]>();
  for (const a of artifacts) {
    if (a.status === 'not-checked') pending.set(a.path, [...(pending.get(a.path) ?? []), a]);
  }
  const total = [...pending.keys()].reduce((n, p) => n + opened.files.get(p)!.size, 0);
  throwIfAborted(opts.signal);
  const meter = createProgressMeter({ task: opts.task, label: 'hashing blobs', total, onEvent: opts.onEvent });
  meter.set(0);
  const results = await hashJobs(
    [...pending.keys()].map((p) => ({ id: p, segments: opened.files.get(p)!.segments })),
    { concurrency: opts.concurrency, signal: opts.signal, onBytes: (n) => meter.add(n) },
  );
  meter.finish();
  for (const r of results) {
    for (const a of pending.get(r.id) ?? []) {
      if ('error' in r) {
        a.status = 'unreadable';
        a.message = `blob ${a.path} could not be read: ${r.error}.`;
      } else if (r.sha256 !== a.sha256) {
        a.status = 'digest-mismatch';
        a.actualSha256 = r.sha256;
        a.message = `blob ${a.path} has SHA-256 ${r.sha256}, expected ${a.sha256} (corrupt).`;
      } else {
        a.status = 'ok';
      }
    }
  }
  return meter.done;
}

/** A split bundle failed: hash the parts against NAME.parts.json to say which part is corrupt. */
async function diagnoseParts(parts: PartState[], problems: BundleProblem[], opts: VerifyOptions): Promise<void> {
  const todo = parts.filter((p) => p.status === 'not-checked');
  if (!todo.length) return;
  const results = await hashJobs(todo.map((p) => ({ id: p.file, segments: [{ file: p.path, start: 0, length: p.size }] })), { concurrency: opts.concurrency, signal: opts.signal });
  for (const r of results) {
    const p = parts.find((x) => x.file === r.id)!;
    p.status = 'error' in r || r.sha256 !== p.sha256 ? 'corrupt' : 'ok';
    if (p.status === 'corrupt') problems.push({ code: 'part-corrupt', path: p.file, message: `part ${p.file} is corrupt (its SHA-256 does not match the .parts.json).` });
  }
}

/** Throws INTEGRITY with the first problem when a report did not pass (for callers that only need yes/no). */
export function assertReportOk(r: VerifyReport): void {
  if (r.ok) return;
  const bad = r.artifacts.find((a) => a.status !== 'ok' && a.status !== 'not-checked');
  const first = r.problems[0]?.message ?? (bad ? `${bad.kind} ${bad.ref}: ${bad.message}` : 'verification failed');
  throw new ApplianceError('INTEGRITY', `Bundle ${r.path} failed verification: ${first}`);
}
