import { ApplianceError } from '../../errors.js';
import { ByteSource } from '../byte-source.js';
import { indexTar } from '../tar-index.js';

/** "redis:7-alpine", "docker.io/library/redis:7-alpine" and "library/redis:7-alpine" are one image. */
export function normalizeImageRef(ref: string): string {
  let r = ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  r = r.replace(/^library\//, '');
  if (!/:[^/]+$/.test(r) && !r.includes('@')) r += ':latest';
  return r;
}

/**
 * Checks that a file is a docker-archive (what `docker save` writes and every `docker load`
 * reads) and that its manifest.json tags the image as `ref`, so the bundle never carries an
 * image under a name it will not load as. Reads only tar headers and manifest.json. Answers
 * the tags and the id (config digest) of the image tagged `ref`: what `docker load` will create.
 */
export async function checkDockerArchive(file: string, size: number, ref: string, label: string): Promise<{ tags: string[]; imageId: string | null }> {
  const src = new ByteSource([{ file, size }]);
  try {
    const head = await src.read(0, 2);
    if (head[0] === 0x1f && head[1] === 0x8b) throw new ApplianceError('VALIDATION', `${label}: ${file} is gzip-compressed; store the uncompressed output of docker save.`);
    const index = await indexTar(src);
    const entry = index.entries.find((e) => e.name === 'manifest.json' && e.type === 'file');
    if (!entry || entry.size > 16 * 1024 * 1024) throw new ApplianceError('VALIDATION', `${label}: ${file} is not a docker-archive (no manifest.json inside; expected the output of docker save).`);
    let m: { Config?: unknown; RepoTags?: string[] | null }[];
    let tags: string[];
    try {
      m = JSON.parse((await src.read(entry.offset, entry.size)).toString('utf8')) as typeof m;
      tags = m.flatMap((x) => x.RepoTags ?? []);
    } catch {
      throw new ApplianceError('VALIDATION', `${label}: ${file} has an unreadable manifest.json.`);
    }
    if (!tags.map(normalizeImageRef).includes(normalizeImageRef(ref))) {
      throw new ApplianceError('VALIDATION', `${label}: the archive ${file} is tagged ${tags.join(', ') || '(no tags)'}, not ${ref}; docker load would not create ${ref}.`);
    }
    // Config is "<hex>.json" (docker save) or "blobs/sha256/<hex>" (OCI-style archives).
    const own = m.find((x) => (x.RepoTags ?? []).map(normalizeImageRef).includes(normalizeImageRef(ref)));
    const hex = typeof own?.Config === 'string' ? /([0-9a-f]{64})(\.json)?$/.exec(own.Config)?.[1] : undefined;
    return { tags, imageId: hex ? `sha256:${hex}` : null };
  } finally {
    await src.close();
  }
}
