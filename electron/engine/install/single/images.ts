import { ApplianceError } from '../../errors.js';
import { stackImages, type StackDeclaration } from '../../bundle/stack.js';
import { stageArtifact, stagedPath } from '../stage-artifact.js';
import type { Step, StepContext } from '../types.js';

/** Image refs a stack runs, each once. */
export function stackImageRefs(stack: StackDeclaration): string[] {
  return [...new Set(stackImages(stack).map((i) => i.image))].sort();
}

/** ref -> image id of what the host's Docker has (empty when Docker is missing). Read-only. */
export async function loadedImages(ctx: StepContext): Promise<Map<string, string>> {
  const r = await ctx.probeExec(['docker', 'images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { sudo: true, allowFailure: true, timeoutMs: 30_000 });
  const out = new Map<string, string>();
  if (r.exitCode !== 0) return out;
  for (const line of r.stdout.split('\n')) {
    const [ref, id] = line.trim().split(' ');
    if (ref && id) out.set(ref, id);
  }
  return out;
}

/** Images whose ref is absent or holds another image id than the bundle's. */
export async function missingImages(ctx: StepContext, refs: string[]): Promise<string[]> {
  const have = await loadedImages(ctx);
  return refs.filter((ref) => {
    const id = have.get(ref);
    const want = ctx.bundle.artifact(ref).imageId;
    return !id || (want !== undefined && id !== want);
  });
}

/** Staged files present with the artifact's size (the upload checked their digest before naming them). */
async function stagedSizes(ctx: StepContext, refs: string[]): Promise<Map<string, number>> {
  if (!refs.length) return new Map();
  const paths = refs.map((r) => stagedPath(ctx, r));
  const r = await ctx.probeExec(['stat', '-c', '%n %s', ...paths], { sudo: true, allowFailure: true });
  const sizes = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const [p, s] = line.trim().split(' ');
    if (p && s) sizes.set(p, Number(s));
  }
  return new Map(refs.filter((ref) => sizes.get(stagedPath(ctx, ref)) === ctx.bundle.artifact(ref).size).map((ref) => [ref, sizes.get(stagedPath(ctx, ref))!]));
}

/**
 * Stage: send the archives of the images the host lacks (by image id, so a re-run or a host that
 * already has them sends nothing), resumably, each verified with sha256 on the host.
 */
export function imagesStageStep(host: string, refs: string[]): Step {
  return {
    id: 'images.stage',
    title: 'Send the images the host lacks',
    host,
    phase: 'stage',
    timeoutMs: 60 * 60_000,
    async probe(ctx) {
      const missing = await missingImages(ctx, refs);
      if (!missing.length) return { done: true, reason: `all ${refs.length} images are loaded` };
      const staged = await stagedSizes(ctx, missing);
      const toSend = missing.filter((r) => !staged.has(r));
      const bytes = toSend.reduce((a, r) => a + ctx.bundle.artifact(r).size, 0);
      if (!toSend.length) return { done: true, reason: `${missing.length} images to load are staged` };
      return { done: false, reason: `${toSend.length} of ${refs.length} images to send (${(bytes / 2 ** 20).toFixed(0)} MiB)` };
    },
    async apply(ctx) {
      const missing = ctx.dryRun ? refs : await missingImages(ctx, refs);
      const total = missing.reduce((a, r) => a + ctx.bundle.artifact(r).size, 0);
      let done = 0;
      for (const ref of missing) {
        const r = await stageArtifact(ctx, ref, { label: `${ref} to ${host}` });
        done += ctx.bundle.artifact(ref).size;
        ctx.progress(done, total, 'bytes', `images to ${host}`);
        // Exact bytes: how much a resume sent again is checked from these lines.
        if (!ctx.dryRun) ctx.log(`${ref}: ${r.alreadyPresent ? 'already staged' : `sent ${r.sentBytes} bytes, resumed at byte ${r.resumedFrom} of ${r.size}`}`);
      }
    },
    async verify(ctx) {
      const missing = await missingImages(ctx, refs);
      const staged = await stagedSizes(ctx, missing);
      const absent = missing.filter((r) => !staged.has(r));
      if (absent.length) throw new ApplianceError('FAILED', `Not staged on ${ctx.host}: ${absent.join(', ')}.`);
    },
  };
}

/** Install: `docker load` each staged archive the host lacks, check the image id against the manifest, then free the staged file. */
export function imagesLoadStep(host: string, refs: string[]): Step {
  return {
    id: 'images.load',
    title: 'Load the images into Docker',
    host,
    phase: 'install',
    dependsOn: ['docker.install', 'images.stage'],
    timeoutMs: 60 * 60_000,
    async probe(ctx) {
      const missing = await missingImages(ctx, refs);
      return missing.length ? { done: false, reason: `${missing.length} of ${refs.length} images to load: ${missing.join(', ')}` } : { done: true, reason: `all ${refs.length} images loaded with the bundle's image ids` };
    },
    async apply(ctx) {
      const missing = ctx.dryRun ? refs : await missingImages(ctx, refs);
      let n = 0;
      for (const ref of missing) {
        // Staged by images.stage; sent again here if the staged copy went missing meanwhile.
        await stageArtifact(ctx, ref);
        await ctx.exec(['docker', 'load', '--quiet', '--input', stagedPath(ctx, ref)], { sudo: true, timeoutMs: 30 * 60_000 });
        const want = ctx.bundle.artifact(ref).imageId;
        if (!ctx.dryRun && want) {
          const got = (await loadedImages(ctx)).get(ref);
          if (got !== want) throw new ApplianceError('INTEGRITY', `docker load of ${ref} on ${ctx.host} gave image ${got ?? '(none)'}, the bundle says ${want}.`);
        }
        await ctx.exec(['rm', '-f', stagedPath(ctx, ref)], { sudo: true });
        ctx.progress(++n, missing.length, 'items', `images loaded on ${host}`);
      }
    },
    async verify(ctx) {
      const missing = await missingImages(ctx, refs);
      if (missing.length) throw new ApplianceError('FAILED', `After docker load, ${ctx.host} still lacks ${missing.join(', ')}.`);
    },
  };
}
