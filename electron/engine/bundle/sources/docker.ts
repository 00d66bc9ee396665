import { spawn } from 'node:child_process';
import { childEnv } from '../../child-env.js';
import { ApplianceError } from '../../errors.js';
import { type Digest, writeHashed } from './hashed-write.js';

/** Runs docker with an argv (never a shell string) and returns its stderr tail on failure. */
export async function runDocker(args: string[], signal?: AbortSignal): Promise<void> {
  await new Promise<void>((res, rej) => {
    const p = spawn('docker', args, { stdio: ['ignore', 'ignore', 'pipe'], signal, env: childEnv() });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    p.on('error', (e) => rej(new ApplianceError('UNSUPPORTED', `docker ${args[0]} could not start: ${e.message} (is Docker installed on the build machine?).`)));
    p.on('close', (code) => (code === 0 ? res() : rej(new ApplianceError('FAILED', `docker ${args.join(' ')} failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`))));
  });
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
