/** Version comparison for what hosts report (Debian and Docker suffixes ignored). */

/** The leading numbers of a version ("20.10.24+dfsg1" -> [20, 10, 24], "v2.26.1-4" -> [2, 26, 1]). */
function numbers(v: string): number[] {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  return m ? m[1]!.split('.').map(Number) : [];
}

/** a >= b comparing numeric parts (missing parts count as 0); false when `a` has no leading number. */
export function versionAtLeast(a: string, b: string): boolean {
  const x = numbers(a);
  const y = numbers(b);
  if (!x.length) return false;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
