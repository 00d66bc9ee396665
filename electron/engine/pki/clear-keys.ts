import { createPrivateKey } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../site/atomic-write.js';
import type { DerivedKey } from './pkcs8.js';
import { CLEAR_KEY_BLOCK, hasClearKey, sealServerKey } from './server-keys.js';

/**
 * Migration of site folders written by older versions, which kept server keys in clear
 * (issued/<name>/key.pem and haproxy.pem), also under retired/. Finds every file under pki/
 * that holds an unencrypted private key, and encrypts it in place.
 */

/** Files larger than this are not key material; skipping them keeps the scan cheap. */
const MAX_SCAN_BYTES = 1 << 20;

/** Every file under pkiDir that contains an unencrypted private key (sorted). */
export async function findClearKeys(pkiDir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(pkiDir, { withFileTypes: true, recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const file = join(e.parentPath, e.name);
    if ((await stat(file)).size > MAX_SCAN_BYTES) continue;
    if (hasClearKey(await readFile(file, 'latin1'))) out.push(file);
  }
  return out.sort();
}

export interface ClearKeyMigration {
  /** key.pem files now encrypted. */
  encrypted: string[];
  /** Clear files removed: haproxy.pem, and leftover folders of an interrupted write. */
  removed: string[];
  /** Files with a clear key this migration does not know how to handle (reported, untouched). */
  left: string[];
}

/** A certificate folder that a crashed `issue` left beside the real one (see writeIssued). */
const isLeftoverDir = (dir: string) => /^\..+\.(new|old)-\d+$/.test(basename(dir));

/**
 * Encrypts every clear key under pkiDir with `derived` (the site passphrase, already proven by
 * the caller): key.json first, then key.pem replaced atomically, then haproxy.pem removed (its
 * key is the same as key.pem's). Each step is atomic and a rerun resumes where a crash stopped.
 */
export async function encryptClearKeys(pkiDir: string, derived: DerivedKey): Promise<ClearKeyMigration> {
  const result: ClearKeyMigration = { encrypted: [], removed: [], left: [] };
  const files = await findClearKeys(pkiDir);
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), f]);
  for (const [dir, inDir] of byDir) {
    if (isLeftoverDir(dir)) {
      await rm(dir, { recursive: true, force: true });
      result.removed.push(dir);
      continue;
    }
    const keyFile = join(dir, 'key.pem');
    const haproxy = join(dir, 'haproxy.pem');
    // The key from key.pem, else from haproxy.pem (cert + chain + key) when key.pem is gone.
    const source = inDir.includes(keyFile) ? keyFile : inDir.includes(haproxy) ? haproxy : null;
    if (source) {
      const block = CLEAR_KEY_BLOCK.exec(await readFile(source, 'utf8'))![0];
      let sealed: ReturnType<typeof sealServerKey>;
      try {
        sealed = sealServerKey(createPrivateKey(block), derived);
      } catch {
        // Not a readable key: leave the folder for a person to look at.
        result.left.push(...inDir);
        continue;
      }
      await writeFileAtomic(join(dir, 'key.json'), sealed.metaJson, 0o644);
      await writeFileAtomic(keyFile, sealed.keyPem, 0o600);
      result.encrypted.push(keyFile);
      if (inDir.includes(haproxy)) {
        await rm(haproxy, { force: true });
        result.removed.push(haproxy);
      }
    }
    for (const f of inDir) if (f !== keyFile && f !== haproxy) result.left.push(f);
  }
  return result;
}
