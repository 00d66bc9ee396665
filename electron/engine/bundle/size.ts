import { ApplianceError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Parses a part size such as "4G", "4095M", "700m" or "1048576" (binary units: 1K = 1024).
 * Note FAT32 holds files up to 4 GiB minus one byte, so "4G" parts need exFAT/NTFS/ext4;
 * use 4095M for FAT32 media.
 */
export function parseSize(text: string, field = '--max-part-size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) throw new ApplianceError('VALIDATION', `${field}: "${text}" is not a size (use a number with an optional K, M or G suffix, e.g. 4095M).`);
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
  if (bytes < 1024 * 1024) throw new ApplianceError('VALIDATION', `${field}: ${text} is too small (at least 1M).`);
  return bytes;
}

/** The largest file FAT32 can store. */
export const FAT32_MAX_FILE = 4 * 1024 ** 3 - 1;
