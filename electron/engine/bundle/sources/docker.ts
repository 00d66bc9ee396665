import { spawn } from 'node:child_process';
import { childEnv } from '../../child-env.js';
import { ApplianceError } from '../../errors.js';
import { type Digest, writeHashed } from './hashed-write.js';
import { DIGEST_RE } from './image-ref.js';

/** Runs docker with an argv (never a shell string); returns stdout, or fails with its stderr tail. */
export async function runDocker(args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise<string>((res, rej) => {
    const p = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'], signal, env: childEnv() });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-64 * 1024)));
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    p.on('error', (e) => rej(new ApplianceError('UNSUPPORTED', `docker ${args[0]} could not start: ${e.message} (is Docker installed on the build machine?).`)));
    p.on('close', (code) => (code === 0 ? res(out) : rej(new ApplianceError('FAILED', `docker ${args.join(' ')} failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`))));
  });
}

/**
 * `docker pull IMAGE` and the manifest digest the registry resolved the tag to, from the
 * "Digest: sha256:..." line every docker pull prints (the same value `skopeo inspect` reports).
 */
export async function dockerPull(image: string, platform: string | undefined, signal?: AbortSignal): Promise<string | null> {
  const out = await runDocker(['pull', ...(platform ? ['--platform', platform] : []), image], signal);
  return /^Digest: (sha256:[0-9a-f]{64})\s*$/m.exec(out)?.[1] ?? null;
}

/** The local image id (`sha256:` + the config digest) that IMAGE names in the daemon, and its repo digests. */
export async function dockerImageInfo(image: string, signal?: AbortSignal): Promise<{ id: string; repoDigests: string[] }> {
  const out = (await runDocker(['image', 'inspect', '--format', '{{.Id}} {{json .RepoDigests}}', image], signal)).trim();
  const sp = out.indexOf(' ');
  const id = out.slice(0, sp);
  let repoDigests: unknown;
  try {
    repoDigests = JSON.parse(out.slice(sp + 1));
  } catch {
    repoDigests = null;
  }
  if (!DIGEST_RE.test(id)) throw new ApplianceError('FAILED', `docker image inspect ${image} gave no image id (got "${out.slice(0, 80)}").`);
  return { id, repoDigests: Array.isArray(repoDigests) ? repoDigests.filter((d): d is string => typeof d === 'string') : [] };
}

/** `docker save REF` streamed into `dest` while hashing. */
export async function dockerSave(ref: string, dest: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<Digest> {
  const p = spawn('docker', ['save', ref], { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal, env: childEnv() });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((res, rej) => {
    p.on('error', (e) => rej(new ApplianceError('UNSUPPORTED', `docker save could not start: ${e.message} (is Docker installed on the build machine?).`)));
    p.on('close', res);
  });
  const [digest, code] = await Promise.all([writeHashed(p.stdout, dest, opts), exited]);
  if (code !== 0) throw new ApplianceError('FAILED', `docker save ${ref} failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`);
  return digest;
}
