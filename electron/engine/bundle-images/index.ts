/**
 * Daemon-free image building: deterministic layer tars, docker-archive files that any
 * `docker load` reads, and a Debian (debootstrap + apt) builder for the demo stack's images.
 */
export { collectLayerEntries, parseOpaqueDirs, OPAQUE_MARKER, WHITEOUT_PREFIX, type LayerEntry, type CollectOptions } from './layer-entries.js';
export { writeLayer, HashTap, type LayerBlob, type WriteLayerOptions } from './layer-tar.js';
export { buildImageConfig, goArch, seconds, type ContainerConfig, type ImageConfig, type HistoryEntry } from './image-config.js';
export { writeDockerArchive, configBytes, type ArchiveImage, type ArchiveManifestEntry, type WrittenArchive } from './docker-archive.js';
export { inspectDockerArchive, type InspectedImage, type InspectedLayer } from './read-docker-archive.js';
export { ImageRecipe, BaseRecipe, loadRecipe, cacheKey } from './recipe.js';
export { parseDebianSources, hostDebianSource, type DebianSource } from './debian-rootfs.js';
export { buildDebianImages, BUILDER_VERSION, type BuildImagesOptions, type BuiltImage } from './build-images.js';
