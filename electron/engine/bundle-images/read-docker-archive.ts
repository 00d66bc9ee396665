import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ApplianceError } from '../errors.js';
import type { ArchiveManifestEntry } from './docker-archive.js';
import type { ImageConfig } from './image-config.js';

export interface InspectedLayer {
  path: string;
  size: number;
  /** sha256 of the stored bytes. */
  digest: string;
  /** sha256 of the uncompressed tar; only when verifyLayers was asked for. */
  diffId?: string;
}

export interface InspectedImage {
  repoTags: string[];
  imageId: string;
  config: ImageConfig;
  layers: InspectedLayer[];
}

const MAX_JSON = 4 << 20;

/**
 * Reads a docker-archive in one pass and returns its images. Always checks that each config's
 * file name is its own digest and that every referenced file exists; with `verifyLayers` it
 * also decompresses each layer and checks it against the config's diff_ids (what `docker load`
 * would reject), so a broken archive is caught before it is carried to a hospital.
 */
export async function inspectDockerArchive(file: string, opts: { verifyLayers?: boolean; signal?: AbortSignal } = {}): Promise<InspectedImage[]> {
  const jsons = new Map<string, Buffer>();
  const layers = new Map<string, InspectedLayer>();
  const extract = tar.extract();

  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (header.type !== 'file') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    if (name.endsWith('.json') || name === 'repositories') {
      const chunks: Buffer[] = [];
      let n = 0;
      stream.on('data', (c: unknown) => {
        const b = c as Buffer;
        n += b.length;
        if (n <= MAX_JSON) chunks.push(b);
      });
      stream.on('end', () => {
        if (n > MAX_JSON) return next(new ApplianceError('VALIDATION', `${file}: ${name} is too large to be image metadata.`));
        jsons.set(name, Buffer.concat(chunks));
        next();
      });
      return;
    }
    hashLayer(stream as unknown as AsyncIterable<Buffer>, opts.verifyLayers === true).then(
      (r) => {
        layers.set(name, { path: name, size: r.size, digest: r.digest, ...(r.diffId ? { diffId: r.diffId } : {}) });
        next();
      },
      (e: unknown) => next(new ApplianceError('INTEGRITY', `${file}: layer ${name} cannot be read: ${e instanceof Error ? e.message : String(e)}`)),
    );
  });

  try {
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), extract, { signal: opts.signal });
  } catch (e) {
    if (e instanceof ApplianceError) throw e;
    if (opts.signal?.aborted) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
    throw new ApplianceError('VALIDATION', `${file} is not a readable docker-archive: ${e instanceof Error ? e.message : String(e)}`);
  }

  const manifestBytes = jsons.get('manifest.json');
  if (!manifestBytes) throw new ApplianceError('VALIDATION', `${file} has no manifest.json, so it is not a docker-archive.`);
  let manifest: ArchiveManifestEntry[];
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as ArchiveManifestEntry[];
  } catch {
    throw new ApplianceError('VALIDATION', `${file}: manifest.json is not valid JSON.`);
  }
  if (!Array.isArray(manifest) || manifest.length === 0) throw new ApplianceError('VALIDATION', `${file}: manifest.json lists no images.`);

  return manifest.map((m) => {
    const cfgBytes = jsons.get(m.Config);
    if (!cfgBytes) throw new ApplianceError('INTEGRITY', `${file}: config ${m.Config} named in manifest.json is missing.`);
    const configId = createHash('sha256').update(cfgBytes).digest('hex');
    if (!m.Config.startsWith(configId)) throw new ApplianceError('INTEGRITY', `${file}: config ${m.Config} does not match its digest.`);
    const config = JSON.parse(cfgBytes.toString('utf8')) as ImageConfig;
    const imageLayers = m.Layers.map((p) => {
      const l = layers.get(p);
      if (!l) throw new ApplianceError('INTEGRITY', `${file}: layer ${p} named in manifest.json is missing.`);
      return l;
    });
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== imageLayers.length) {
      throw new ApplianceError('INTEGRITY', `${file}: ${m.RepoTags.join(', ')} lists ${diffIds.length} layers in its config but ${imageLayers.length} in manifest.json.`);
    }
    if (opts.verifyLayers) {
      imageLayers.forEach((l, i) => {
        if (l.diffId !== diffIds[i]) throw new ApplianceError('INTEGRITY', `${file}: layer ${l.path} of ${m.RepoTags.join(', ')} does not match the config's diff_id.`);
      });
    }
    return { repoTags: m.RepoTags ?? [], imageId: `sha256:${configId}`, config, layers: imageLayers };
  });
}

/** Hashes the stored bytes and, if asked, the gunzipped (or raw tar) content. */
async function hashLayer(stream: AsyncIterable<Buffer>, inner: boolean): Promise<{ size: number; digest: string; diffId?: string }> {
  const outer = createHash('sha256');
  let size = 0;
  if (!inner) {
    for await (const c of stream) {
      outer.update(c);
      size += c.length;
    }
    return { size, digest: `sha256:${outer.digest('hex')}` };
  }
  const innerHash = createHash('sha256');
  const feed = new PassThrough();
  let decoder: Promise<void> | null = null;
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      innerHash.update(c);
      cb();
    },
  });
  for await (const c of stream) {
    outer.update(c);
    if (decoder === null) {
      const gz = c.length >= 2 && c[0] === 0x1f && c[1] === 0x8b;
      decoder = gz ? pipeline(feed, createGunzip(), sink) : pipeline(feed, sink);
    }
    size += c.length;
    if (!feed.write(c)) await new Promise((r) => feed.once('drain', r));
  }
  feed.end();
  await (decoder ?? Promise.resolve());
  return { size, digest: `sha256:${outer.digest('hex')}`, diffId: `sha256:${innerHash.digest('hex')}` };
}
