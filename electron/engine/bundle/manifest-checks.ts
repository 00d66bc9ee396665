import { blobPath, unsafeReason } from './paths.js';
import type { OpenedBundle } from './source-layout.js';
import { clip } from './untrusted.js';

/** What the layout checks set on an artifact row; `not-checked` rows still need hashing. */
export interface CheckedArtifact {
  path: string;
  sha256: string;
  size: number;
  status: string;
  actualSize?: number;
  message?: string;
}

/**
 * The checks of a parsed manifest against the opened bundle that need no hashing, shared by
 * verify and inspect so both report the same problems: each artifact's path must be exactly
 * blobs/sha256/<its digest> (nothing escaping the bundle), its blob must exist with the listed
 * size, and a blob nobody lists is an extra file. Sets `status`/`message` on failing rows and
 * returns the extra-file problems.
 */
export function checkArtifactsAgainstLayout(artifacts: CheckedArtifact[], opened: Pick<OpenedBundle, 'files'>): { code: 'extra-file'; path: string; message: string }[] {
  const listed = new Set<string>();
  for (const a of artifacts) {
    listed.add(a.path);
    const shown = clip(a.path);
    const unsafe = unsafeReason(a.path);
    const f = opened.files.get(a.path);
    if (unsafe) {
      a.status = 'unsafe-path';
      a.message = `path "${shown}" ${unsafe}; refused.`;
    } else if (a.path !== blobPath(a.sha256)) {
      a.status = 'unsafe-path';
      a.message = `path "${shown}" is not ${blobPath(a.sha256)} (where a blob with this digest must live).`;
    } else if (!f) {
      a.status = 'missing';
      a.message = `blob ${shown} is missing.`;
    } else if (f.size !== a.size) {
      a.status = 'size-mismatch';
      a.actualSize = f.size;
      a.message = `blob ${shown} is ${f.size} bytes, expected ${a.size} (${f.size < a.size ? 'truncated' : 'too long'}).`;
    }
  }
  const extra: { code: 'extra-file'; path: string; message: string }[] = [];
  for (const f of opened.files.keys()) {
    if (!listed.has(f)) extra.push({ code: 'extra-file', path: clip(f), message: `${clip(f)} is not listed in the manifest (extra file).` });
  }
  return extra;
}
