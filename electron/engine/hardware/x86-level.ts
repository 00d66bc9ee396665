/**
 * x86-64-v2 = baseline + cx16, lahf_lm, popcnt, sse4_1, sse4_2, ssse3 (the psABI level list).
 * Images built for v2 (RHEL 9 family, some PostgreSQL builds) die with "illegal instruction"
 * on older CPUs, so the sizing check wants to know before install.
 */
const V2_FLAGS = ['cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3'];

/** Returns null when the architecture is not x86-64 (the question does not apply). */
export function supportsX86_64_v2(arch: string, flags: Iterable<string>): boolean | null {
  if (!/^(x86_64|x64|amd64)$/i.test(arch)) return null;
  const have = new Set([...flags].map((f) => f.toLowerCase()));
  return V2_FLAGS.every((f) => have.has(f));
}
