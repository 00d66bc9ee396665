import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError } from '../../errors.js';
import { PLACEHOLDER_PREFIX, type PlannedArtifact } from '../spec.js';
import { chartIdentity, packChartDir } from './chart-dir.js';
import { saveDaemonImage, type ImageRecord } from './daemon-image.js';
import { checkDockerArchive } from './docker-archive.js';
import { hashFile } from './hashed-write.js';
import { parsePullSource } from './image-ref.js';
import { download } from './url.js';

/** An artifact's bytes on the local disk, with their digest. */
export interface Materialized {
  file: string;
  size: number;
  sha256: string;
  /** True if `file` is a work file this build created (can be moved instead of copied). */
  temporary: boolean;
  /** For images saved from a daemon: the image id and, for pulls, the resolved repo digest. */
  image?: ImageRecord;
}

export interface MaterializeContext {
  workDir: string;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

/** Name of an artifact in messages: "image redis:7-alpine (bundles/x.bundle.yaml:12)". */
export function label(a: PlannedArtifact): string {
  return `${a.kind} ${a.ref} (${a.where})`;
}

/** Cheap checks for a dry run and before building: local sources exist and are the right type, no placeholders. */
export async function precheck(a: PlannedArtifact): Promise<{ size?: number; problem?: string }> {
  if (a.sourceKind === 'url' && a.source.sha256?.startsWith(PLACEHOLDER_PREFIX)) {
    return { problem: `sha256 is a placeholder (${a.source.sha256}); fill in the published digest on the build machine before building.` };
  }
  if (a.sourceKind === 'pull') {
    const p = parsePullSource(a.sourceValue);
    if ('problem' in p) return { problem: p.problem };
  }
  if (!a.sourcePath) return {};
  const s = await stat(a.sourcePath).catch(() => null);
  if (!s) return { problem: `${a.sourceKind} source ${a.sourceValue} does not exist (${a.sourcePath}).` };
  if (a.sourceKind === 'dir') {
    if (!s.isDirectory()) return { problem: `dir source ${a.sourceValue} is not a folder.` };
    try {
      const id = await chartIdentity(a.sourcePath);
      if (a.ref !== `${id.name}-${id.version}`) return { problem: `chart folder ${a.sourceValue} is ${id.name} ${id.version}, so its ref must be ${id.name}-${id.version}, not ${a.ref}.` };
    } catch (e) {
      return { problem: (e as Error).message };
    }
    return {};
  }
  if (!s.isFile()) return { problem: `${a.sourceKind} source ${a.sourceValue} is not a regular file.` };
  return { size: s.size };
}

/**
 * Produces the artifact's bytes locally: local files are hashed in place; charts are packaged,
 * images saved from Docker (after a pull for `pull`, checked against its digest pin) and URLs downloaded into the work folder,
 * hashed as they are written. Images are checked to be docker-archives tagged with their ref.
 */
export async function materialize(a: PlannedArtifact, index: number, ctx: MaterializeContext): Promise<Materialized> {
  const pre = await precheck(a);
  if (pre.problem) throw new ApplianceError(pre.problem.includes('does not exist') ? 'NOT_FOUND' : 'VALIDATION', `${label(a)}: ${pre.problem}`);
  const work = join(ctx.workDir, `artifact-${String(index).padStart(4, '0')}`);
  const opts = { signal: ctx.signal, onBytes: ctx.onBytes };
  let m: Materialized;
  switch (a.sourceKind) {
    case 'archive':
    case 'file':
      m = { file: a.sourcePath!, ...(await hashFile(a.sourcePath!, opts)), temporary: false };
      break;
    case 'dir':
      m = { file: work, ...(await packChartDir(a.sourcePath!, work, opts)), temporary: true };
      break;
    case 'pull':
    case 'docker':
      m = { file: work, ...(await saveDaemonImage(a, work, label(a), opts)), temporary: true };
      break;
    case 'url': {
      const d = await download(a.sourceValue, work, opts);
      if (d.sha256 !== a.source.sha256) {
        throw new ApplianceError('INTEGRITY', `${label(a)}: ${a.sourceValue} has SHA-256 ${d.sha256}, but the spec pins ${a.source.sha256}. Not using it.`);
      }
      m = { file: work, sha256: d.sha256, size: d.size, temporary: true };
      break;
    }
  }
  if (a.kind === 'image') {
    const checked = await checkDockerArchive(m.file, m.size, a.ref, label(a));
    // The id `docker load` gives the image (its config digest): the install verifies loaded images by it.
    if (!m.image && checked.imageId) m = { ...m, image: { imageId: checked.imageId } };
  }
  return m;
}
