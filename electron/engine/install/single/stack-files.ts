import { createHash } from 'node:crypto';
import { ApplianceError } from '../../errors.js';
import type { RenderedStackFile, StackDirectory } from '../render/index.js';
import type { Step, StepContext } from '../types.js';

/** The site certificate for the proxy: full chain, clear key (in memory only) and the CA for checks on the host. */
export interface StackTls {
  fullchain: string;
  key: string;
  ca: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Every file the stack step writes: rendered project files plus the TLS files. */
export function stackFileSet(files: RenderedStackFile[], tls: StackTls, tlsDir: string): RenderedStackFile[] {
  return [
    ...files,
    { path: `${tlsDir}/tls.crt`, content: tls.fullchain, mode: '0644', owner: 'root:root', secret: false },
    { path: `${tlsDir}/tls.key`, content: tls.key, mode: '0600', owner: 'root:root', secret: true },
    { path: `${tlsDir}/ca.crt`, content: tls.ca, mode: '0644', owner: 'root:root', secret: false },
  ].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** sha256 of everything written, in path order: the stack's config fingerprint (stack.up restarts on a change). */
export function configDigest(files: RenderedStackFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path}\0${f.mode}\0${sha256(f.content)}\n`);
  return h.digest('hex');
}

/** Files whose content on the host differs from the rendered one (read-only: sha256sum of each). */
async function differingFiles(ctx: StepContext, files: RenderedStackFile[]): Promise<RenderedStackFile[]> {
  const r = await ctx.probeExec(['sha256sum', '--', ...files.map((f) => f.path)], { sudo: true, allowFailure: true });
  const have = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) have.set(m[2]!, m[1]!);
  }
  return files.filter((f) => have.get(f.path) !== sha256(f.content));
}

/**
 * Configure: /opt/<stack> (compose.yaml, .env 0600, monitoring, backup scripts and units, TLS) and
 * the data folders. Written atomically one by one; the probe compares every file's digest, so a
 * hand-edited file is put back and an unchanged site writes nothing. `docker compose config`
 * checks the result with the real tool.
 */
export function stackFilesStep(host: string, input: { dirs: StackDirectory[]; files: RenderedStackFile[]; composeFile: string; projectDir: string }): Step {
  return {
    id: 'stack.files',
    title: 'Write the Compose project, its settings and certificates',
    host,
    phase: 'configure',
    dependsOn: ['docker.install'],
    async probe(ctx) {
      const stale = await differingFiles(ctx, input.files);
      if (!stale.length) return { done: true, reason: `all ${input.files.length} files are up to date` };
      return { done: false, reason: `${stale.length} of ${input.files.length} files to write: ${stale.map((f) => f.path.split('/').slice(-2).join('/')).join(', ')}` };
    },
    async apply(ctx) {
      for (const d of input.dirs) await ctx.exec(['install', '-d', '-m', d.mode, ...(d.owner ? ['-o', d.owner.split(':')[0]!, '-g', d.owner.split(':')[1] ?? d.owner.split(':')[0]!] : []), d.path], { sudo: true });
      const stale = ctx.dryRun ? input.files : await differingFiles(ctx, input.files);
      for (const f of stale) await ctx.writeFile(f.path, f.content, { mode: f.mode, owner: f.owner ?? 'root:root', secret: f.secret });
      if (stale.some((f) => f.path.startsWith('/etc/systemd/'))) await ctx.exec(['systemctl', 'daemon-reload'], { sudo: true });
    },
    async verify(ctx) {
      const stale = await differingFiles(ctx, input.files);
      if (stale.length) throw new ApplianceError('FAILED', `Files on ${ctx.host} differ right after writing: ${stale.map((f) => f.path).join(', ')}.`);
      // The real parser, quietly: `config` without -q would print the interpolated secrets.
      const r = await ctx.probeExec(['docker', 'compose', '--project-directory', input.projectDir, '-f', input.composeFile, 'config', '--quiet'], { sudo: true, allowFailure: true });
      if (r.exitCode !== 0) throw new ApplianceError('FAILED', `docker compose config rejects ${input.composeFile}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
    },
  };
}
