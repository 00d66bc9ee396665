import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImageConfig, collectLayerEntries, writeDockerArchive, writeLayer } from '../../electron/engine/bundle-images/index.js';

/**
 * A small image made offline with the demo bundle's own image builder (deterministic layer,
 * docker-archive as `docker save` writes it): busybox-static plus /etc/variant holding `variant`,
 * so two variants are two different images under the same tag. About 1 MB, well under a second.
 */
export async function buildBusyboxImage(workDir: string, tag: string, variant: string): Promise<{ archive: string; imageId: string }> {
  const root = await mkdtemp(join(workDir, 'rootfs-'));
  try {
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'etc'));
    await copyFile('/bin/busybox', join(root, 'bin/busybox'));
    for (const app of ['sh', 'cat', 'echo']) await symlink('busybox', join(root, 'bin', app));
    await writeFile(join(root, 'etc/variant'), `${variant}\n`);
    const layer = await writeLayer(await collectLayerEntries(root), join(workDir, `layer-${variant}.tar.gz`));
    const config = buildImageConfig({
      created: '2000-01-01T00:00:00Z',
      config: { Cmd: ['/bin/cat', '/etc/variant'] },
      layers: [{ diffId: layer.diffId, createdBy: `busybox-static, variant ${variant}` }],
    });
    const archive = join(workDir, `image-${variant}.tar`);
    const written = await writeDockerArchive(archive, [{ repoTags: [tag], config, layers: [layer] }]);
    return { archive, imageId: written.images[0]!.imageId };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
