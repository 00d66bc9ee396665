import { createHash } from 'node:crypto';

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of sha256(host key blob). */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
