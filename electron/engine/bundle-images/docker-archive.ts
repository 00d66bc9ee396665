import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import tar from 'tar-stream';
import { ApplianceError, throwIfAborted } from '../errors.js';
import type { ImageConfig } from './image-config.js';
import { HashTap, type LayerBlob } from './layer-tar.js';
import { writePackAtomically } from './atomic-pack.js';

/** One image to put in a docker-archive: its tags, config and layer files (base first). */
export interface ArchiveImage {
  repoTags: string[];
  config: ImageConfig;
  layers: LayerBlob[];
}

/** One row of the archive's manifest.json, as `docker save` writes it. */
export interface ArchiveManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

export interface WrittenArchive {
  file: string;
  size: number;
  /** `sha256:<hex>` of the archive file. */
  sha256: string;
  images: { repoTags: string[]; imageId: string }[];
}

/** Mode, owner and time of the archive's own entries; fixed so archives are reproducible. */
const ARCHIVE_ENTRY = { mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0) };

function hex(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

/** Serialises a config exactly once so its digest (the image id) matches the stored bytes. */
export function configBytes(config: ImageConfig): Buffer {
  return Buffer.from(JSON.stringify(config), 'utf8');
}

/**
 * Writes a docker-archive (the `docker save` format that every `docker load` reads) holding
 * `images`: `<config-hex>.json` per image, each distinct layer once as `<digest-hex>.tar[.gz]`,
 * then `manifest.json`. Layers shared by several images are stored once. The output only
 * depends on the inputs, so rebuilding from the same layers gives the same archive digest.
 */
export async function writeDockerArchive(outFile: string, images: readonly ArchiveImage[], opts: { signal?: AbortSignal } = {}): Promise<WrittenArchive> {
  if (images.length === 0) throw new ApplianceError('VALIDATION', `No images to write into ${outFile}.`);
  for (const img of images) {
    const ids = img.layers.map((l) => l.diffId);
    if (JSON.stringify(ids) !== JSON.stringify(img.config.rootfs.diff_ids)) {
      throw new ApplianceError('INTEGRITY', `Image ${img.repoTags.join(', ')}: its config lists other layers than the ones given.`);
    }
  }
  const tap = new HashTap();
  const manifest: ArchiveManifestEntry[] = [];
  const result: WrittenArchive['images'] = [];
  const storedLayers = new Set<string>();
  await writePackAtomically(outFile, 'image archive', [tap], async (pack, check) => {
    for (const img of images) {
      const bytes = configBytes(img.config);
      const configId = createHash('sha256').update(bytes).digest('hex');
      const configName = `${configId}.json`;
      await addBuffer(pack, configName, bytes);
      const layerNames: string[] = [];
      for (const layer of img.layers) {
        throwIfAborted(opts.signal);
        check();
        const name = `${hex(layer.digest)}.tar${layer.compressed ? '.gz' : ''}`;
        layerNames.push(name);
        if (storedLayers.has(name)) continue;
        storedLayers.add(name);
        await addFile(pack, name, layer);
      }
      manifest.push({ Config: configName, RepoTags: img.repoTags, Layers: layerNames });
      result.push({ repoTags: img.repoTags, imageId: `sha256:${configId}` });
    }
    await addBuffer(pack, 'manifest.json', Buffer.from(JSON.stringify(manifest), 'utf8'));
  });
  return { file: outFile, size: tap.bytes, sha256: tap.digest(), images: result };
}

function addBuffer(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...ARCHIVE_ENTRY, name, size: data.length, type: 'file' }, data, (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(pack: tar.Pack, name: string, layer: LayerBlob): Promise<void> {
  const st = await stat(layer.file).catch(() => null);
  if (!st || st.size !== layer.size) {
    throw new ApplianceError('INTEGRITY', `Layer file ${layer.file} is missing or has changed size since it was built; rebuild the image.`);
  }
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ ...ARCHIVE_ENTRY, name, size: layer.size, type: 'file' }, (err) => (err ? reject(err) : resolve()));
    const src = createReadStream(layer.file, { highWaterMark: 1 << 20 });
    src.on('data', (c: string | Buffer) => hash.update(c));
    src.on('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    src.pipe(sink);
  });
  // The cached layer is re-read here; a bit flip on disk must not end up signed in a bundle.
  if (`sha256:${hash.digest('hex')}` !== layer.digest) {
    throw new ApplianceError('INTEGRITY', `Layer file ${layer.file} does not match its recorded digest; delete it and rebuild.`);
  }
}
