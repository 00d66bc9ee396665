import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { run } from './run.js';

/**
 * A node's /data: a sparse image file formatted ext4, loop-mounted inside the node by
 * node-init.sh, so the node sees a real, separate, bounded filesystem (df, ENOSPC). Sparse: the
 * size is a bound, disk is used only as the node writes. No reserved blocks, so "full" is the
 * same for root and users.
 */
export async function createDataImage(file: string, bytes: number): Promise<void> {
  const fh = await open(file, 'w', 0o600);
  try {
    await fh.truncate(bytes);
  } finally {
    await fh.close();
  }
  await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-L', 'data', '-E', 'lazy_itable_init=1,lazy_journal_init=1', file]);
}

/** Loop devices exist on this host (a container or a locked-down host may have none). */
export function loopDevicesAvailable(): boolean {
  return existsSync('/dev/loop-control');
}
