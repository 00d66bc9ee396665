import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { StepContext, UploadResult } from './types.js';

/** Where an artifact lands in the host's staging folder: named by digest, so a changed artifact never reuses a stale file. */
export function stagedPath(ctx: Pick<StepContext, 'vars' | 'bundle'>, ref: string): string {
  const a = ctx.bundle.artifact(ref);
  return `${ctx.vars.stagingDir}/${a.sha256}`;
}

/**
 * Sends one bundle artifact to the host's staging folder: resumable (a `.part` file grows until
 * the digest matches), verified with sha256 on the host, skipped when already there. Blobs of a
 * folder bundle are read in place; blobs inside a tar bundle are first copied out (through the
 * digest guard) to a local scratch file so the upload can resume.
 */
export async function stageArtifact(ctx: StepContext, ref: string, opts: { label?: string } = {}): Promise<UploadResult> {
  const a = ctx.bundle.artifact(ref);
  const remote = stagedPath(ctx, ref);
  await ctx.exec(['install', '-d', '-m', '0700', ctx.vars.stagingDir], { sudo: true });
  const local = ctx.bundle.localFile(ref) ?? (await extractLocally(ctx, ref, a.sha256, a.size));
  return ctx.upload(local, remote, { sha256: a.sha256, resume: true, sudo: true, label: opts.label ?? `${ref} to ${ctx.host}`, remoteHash: 'while-writing' });
}

async function extractLocally(ctx: StepContext, ref: string, sha256: string, size: number): Promise<string> {
  const dir = join(tmpdir(), 'airgap-appliance-stage');
  const file = join(dir, sha256);
  const st = await stat(file).catch(() => null);
  if (st?.size === size) return file;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const part = `${file}.${process.pid}.part`;
  try {
    await pipeline(ctx.bundle.artifactStream(ref), createWriteStream(part, { mode: 0o600 }), { signal: ctx.signal });
    await rename(part, file);
  } finally {
    await rm(part, { force: true });
  }
  return file;
}
