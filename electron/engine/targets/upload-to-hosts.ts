import { isApplianceError } from '../errors.js';
import { hashFile, SharedRead } from './file-source.js';
import type { Target, UploadOptions, UploadResult } from './target.js';

export interface HostUploadResult {
  host: string;
  ok: boolean;
  result?: UploadResult;
  error?: { code: string; message: string };
}

/**
 * Uploads one file to several targets at once. Without an expected digest the file is hashed
 * once here first (instead of once per host while streaming), because hashing and SSH
 * encryption share Node's one thread. The uploads that start from byte 0 share one read of
 * the file (each chunk read once, written to every channel, the next read when all took it),
 * so the file is not read three times over and memory stays at two chunks. Each host succeeds
 * or fails on its own; progress events are labelled per host.
 */
export async function uploadToHosts(targets: Target[], localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<HostUploadResult[]> {
  let sha256 = opts.sha256;
  if (!sha256 && targets.length > 1) {
    sha256 = (await hashFile(localPath)).digest('hex');
  }
  const sharedRead = targets.length > 1 ? new SharedRead(localPath, targets.length) : undefined;
  return Promise.all(
    targets.map(async (t): Promise<HostUploadResult> => {
      try {
        const result = await t.upload(localPath, remotePath, { ...opts, ...(sha256 ? { sha256 } : {}), ...(sharedRead ? { sharedRead } : {}), label: `${opts.label ?? 'upload'} ${t.name}` });
        return { host: t.name, ok: true, result };
      } catch (e) {
        return { host: t.name, ok: false, error: isApplianceError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
      }
    }),
  );
}
