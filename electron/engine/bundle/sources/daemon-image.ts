import { ApplianceError } from '../../errors.js';
import type { PlannedArtifact } from '../spec.js';
import { checkDockerArchive } from './docker-archive.js';
import { dockerImageInfo, dockerPull, dockerSave } from './docker.js';
import type { Digest } from './hashed-write.js';
import { parsePullSource } from './image-ref.js';

/** What a bundle records about an image taken from a Docker daemon (see docs/bundles.md). */
export interface ImageRecord {
  /** `sha256:` config digest: the id `docker load` gives the image on site. */
  imageId: string;
  /** `repository@sha256:...`: the registry manifest the tag resolved to (pull sources only). */
  repoDigest?: string;
}

/**
 * `pull:` and `docker:` sources, through the daemon the docker CLI talks to (DOCKER_HOST or its
 * default socket). A pull is checked against its pin before anything is saved: a tag that moved
 * is refused, naming the image and both digests. The saved archive must hold the image the
 * daemon had under that tag when it was checked, so a re-tag between the steps is caught too.
 */
export async function saveDaemonImage(a: PlannedArtifact, dest: string, label: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void }): Promise<Digest & { image: ImageRecord }> {
  let image = a.sourceValue;
  let repoDigest: string | undefined;
  let resolved: string | undefined;
  if (a.sourceKind === 'pull') {
    const src = parsePullSource(a.sourceValue);
    if ('problem' in src) throw new ApplianceError('VALIDATION', `${label}: ${src.problem}`);
    image = src.image;
    resolved = (await dockerPull(src.image, a.source.platform ?? a.platform, opts.signal)) ?? undefined;
    if (!resolved) throw new ApplianceError('FAILED', `${label}: docker pull ${src.image} printed no manifest digest, so the image it fetched cannot be identified.`);
    if (src.pin && resolved !== src.pin) {
      throw new ApplianceError(
        'INTEGRITY',
        `${label}: the registry's ${src.image} is now ${resolved}, but the spec pins ${src.pin}. The tag moved; not bundling it (pin the new digest only after checking the new image).`,
        { image: src.image, expected: src.pin, actual: resolved },
      );
    }
    repoDigest = `${src.repository}@${resolved}`;
  } else if (a.sourceValue.includes('@')) {
    throw new ApplianceError('VALIDATION', `${label}: docker source ${a.sourceValue} names a digest; a docker: source is a local name:tag (pin registry digests with pull: name:tag@sha256:...).`);
  }
  const local = await dockerImageInfo(image, opts.signal);
  const imageId = local.id;
  // The tag in the daemon must still be the manifest the pull resolved (no other pull in between).
  if (resolved && !local.repoDigests.some((d) => d.endsWith(`@${resolved}`))) {
    throw new ApplianceError('INTEGRITY', `${label}: after pulling ${repoDigest}, the daemon's ${image} is image ${imageId}, which has no such repo digest (pulled again meanwhile?).`, { image, expected: repoDigest, actual: local.repoDigests });
  }
  const saved = await dockerSave(image, dest, opts);
  const archived = await checkDockerArchive(dest, saved.size, a.ref, label);
  if (archived.imageId !== imageId) {
    throw new ApplianceError('INTEGRITY', `${label}: docker save ${image} wrote image ${archived.imageId ?? '(unknown)'}, but the daemon had ${imageId} under that tag a moment before (re-tagged during the build?).`, {
      image,
      expected: imageId,
      actual: archived.imageId,
    });
  }
  return { ...saved, image: { imageId, ...(repoDigest ? { repoDigest } : {}) } };
}
