import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isApplianceError } from '../errors.js';
import { UPLOAD_CHUNK } from './transfer.js';
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
 * encryption share Node's one thread. Each host succeeds or fails on its own; progress events
 * are labelled per host.
 */
export async function uploadToHosts(targets: Target[], localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<HostUploadResult[]> {
  let sha256 = opts.sha256;
  if (!sha256 && targets.length > 1) {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(localPath, { highWaterMark: UPLOAD_CHUNK })) h.update(chunk as Buffer);
    sha256 = h.digest('hex');
  }
  return Promise.all(
    targets.map(async (t): Promise<HostUploadResult> => {
      try {
        const result = await t.upload(localPath, remotePath, { ...opts, ...(sha256 ? { sha256 } : {}), label: `${opts.label ?? 'upload'} ${t.name}` });
        return { host: t.name, ok: true, result };
      } catch (e) {
        return { host: t.name, ok: false, error: isApplianceError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
      }
    }),
  );
}
