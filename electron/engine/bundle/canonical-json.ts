/** Deeper than any manifest, signature or parts file we write (they nest at most 4). */
const MAX_DEPTH = 64;

/**
 * Deterministic JSON: object keys sorted, two-space indent, one trailing newline. Used for
 * manifest.json so identical inputs give byte-identical manifests (and so identical signatures).
 * Throws on nesting deeper than 64 rather than recursing until the stack runs out.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0), null, 2) + '\n';
}

function sortKeys(v: unknown, depth: number): unknown {
  if (v && typeof v === 'object' && depth >= MAX_DEPTH) throw new RangeError(`canonicalJson: value nests more than ${MAX_DEPTH} deep`);
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x, depth + 1);
    }
    return out;
  }
  return v;
}
