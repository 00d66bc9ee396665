import { readFile } from 'node:fs/promises';
import { ApplianceError } from '../errors.js';
import { writeFileAtomic } from '../site/atomic-write.js';
import { pkiPaths } from './paths.js';
import { Inventory } from './schema.js';

/** Reads pki/inventory.json; null when there is none yet; INTEGRITY when it is not valid. */
export async function readInventory(pkiDir: string): Promise<Inventory | null> {
  const file = pkiPaths(pkiDir).inventory;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const r = Inventory.safeParse(JSON.parse(text));
  if (!r.success) throw new ApplianceError('INTEGRITY', `The certificate inventory ${file} is damaged (${r.error.issues[0]?.message}). Run "appliance pki issue" to rebuild it.`, { file });
  return r.data;
}

export async function writeInventory(pkiDir: string, inventory: Inventory): Promise<void> {
  await writeFileAtomic(pkiPaths(pkiDir).inventory, JSON.stringify(inventory, null, 2) + '\n', 0o644);
}
