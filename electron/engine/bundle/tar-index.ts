import type { ByteSource } from './byte-source.js';
import { normalizeEntryName, unsafeReason } from './paths.js';
import { clip } from './untrusted.js';

export interface TarEntry {
  /** Normalised name (no leading "./", no trailing "/"). */
  name: string;
  type: 'file' | 'dir';
  /** Offset of the entry's data in the source. */
  offset: number;
  size: number;
}

export interface TarIndex {
  entries: TarEntry[];
  /** Entries refused (links, devices, unsafe or duplicate names) and structural damage. */
  problems: string[];
}

const BLOCK = 512;
const MAX_ENTRIES = 100_000;

/**
 * Indexes a tar (ustar, pax, GNU long names) by reading only its headers with positional
 * reads, so a multi-GB bundle is indexed in milliseconds and its entries can then be hashed
 * in place, in parallel, without extracting. Refuses: absolute names, "..", links, devices,
 * FIFOs, duplicate names, bad header checksums and entries running past the end.
 */
export async function indexTar(src: ByteSource): Promise<TarIndex> {
  const entries: TarEntry[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let pos = 0;
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  let longName: string | undefined;
  let ended = false;

  while (pos + BLOCK <= src.size) {
    if (entries.length + problems.length > MAX_ENTRIES) {
      problems.push(`more than ${MAX_ENTRIES} tar entries; refusing.`);
      break;
    }
    const h = await src.read(pos, BLOCK);
    if (h.every((b) => b === 0)) {
      ended = true;
      break;
    }
    if (!checksumOk(h)) {
      problems.push(`tar header at byte ${pos} is corrupt (checksum mismatch).`);
      return { entries, problems };
    }
    const type = String.fromCharCode(h[156]!);
    const size = paxSize ?? parseNumber(h.subarray(124, 136));
    if (size === null || size < 0) {
      problems.push(`tar header at byte ${pos} has an unreadable size.`);
      return { entries, problems };
    }
    const dataStart = pos + BLOCK;
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (dataStart + size > src.size) {
      problems.push(`tar is truncated: entry at byte ${pos} needs ${size} bytes but the file ends first.`);
      return { entries, problems };
    }

    if (type === 'x' || type === 'L') {
      if (size > 1024 * 1024) {
        problems.push(`tar extended header at byte ${pos} is implausibly large.`);
        return { entries, problems };
      }
      const data = await src.read(dataStart, size);
      if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
      else ({ path: paxPath, size: paxSize } = parsePax(data));
      pos = next;
      continue;
    }
    const rawName = longName ?? paxPath ?? headerName(h);
    longName = paxPath = paxSize = undefined;
    pos = next;

    if (type === 'g') {
      problems.push('tar has a global pax header; bundles never do.');
      continue;
    }
    const kind = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'dir' : null;
    if (!kind) {
      problems.push(`tar entry "${clip(rawName)}" is a ${TYPE_NAMES[type] ?? `type ${JSON.stringify(type)} entry`}; bundles hold only regular files.`);
      continue;
    }
    const unsafe = unsafeReason(rawName.replace(/\/+$/, '') || '.');
    if (unsafe) {
      problems.push(`tar entry "${clip(rawName)}" ${unsafe}.`);
      continue;
    }
    const name = normalizeEntryName(rawName);
    if (seen.has(name)) {
      problems.push(`tar entry "${clip(name)}" appears more than once.`);
      continue;
    }
    seen.add(name);
    entries.push({ name, type: kind, offset: dataStart, size: kind === 'dir' ? 0 : size });
  }
  if (!ended) problems.push('tar has no end-of-archive marker (truncated?).');
  return { entries, problems };
}

const TYPE_NAMES: Record<string, string> = { '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO', K: 'GNU long link' };

function checksumOk(h: Buffer): boolean {
  const stored = parseNumber(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return stored === sum;
}

function cstr(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z === -1 ? b.length : z).toString('utf8');
}

function headerName(h: Buffer): string {
  const name = cstr(h.subarray(0, 100));
  const ustar = h.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = ustar ? cstr(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** Octal (NUL/space padded) or GNU base-256 (high bit set) numbers. */
function parseNumber(b: Buffer): number | null {
  if (b[0]! & 0x80) {
    let v = 0;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = b.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return null;
  return parseInt(s, 8);
}

function parsePax(data: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(32, i);
    if (space === -1) break;
    const len = parseInt(data.subarray(i, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    const key = rec.slice(0, eq);
    const value = rec.slice(eq + 1);
    if (key === 'path') out.path = value;
    if (key === 'size') out.size = Number(value);
    i += len;
  }
  return out;
}
