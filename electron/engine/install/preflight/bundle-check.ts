import type { VerifiedBundle } from '../../bundle/verified.js';
import { stackProblems, type StackDeclaration } from '../../bundle/stack.js';
import { preflightCheck, type PreflightCheck } from './schema.js';

/**
 * The bundle check. The caller got the bundle from openVerifiedBundle, which already refused
 * (INTEGRITY) anything not verified or changed since: here only what verification does not
 * know: that it fits this site (topology) and declares a stack that matches its artifacts.
 */
export function bundleCheck(
  bundle: Pick<VerifiedBundle, 'manifest' | 'signature' | 'artifacts'>,
  topology: 'single' | 'k3s-3',
  stack: StackDeclaration | null | undefined,
): PreflightCheck {
  const m = bundle.manifest;
  const sig = bundle.signature;
  const signer = sig.status === 'trusted' ? `signed by ${sig.keyName ?? 'a trusted key'}${sig.keyId ? ` (${sig.keyId.slice(0, 16)}…)` : ''}` : sig.status.toUpperCase();
  const id = `${m.name} ${m.version}, ${signer}`;
  const title = 'Bundle verified and trusted';
  const problems: string[] = [];
  if (!m.topologies.includes(topology)) problems.push(`it is built for ${m.topologies.join(', ')}, not this site's topology ${topology}`);
  if (!stack) problems.push('it declares no stack (manifest has no stack section)');
  else {
    if (stack.topologies && !stack.topologies.includes(topology)) problems.push(`its stack declares topologies ${stack.topologies.join(', ')}, not ${topology}`);
    for (const p of stackProblems(stack, bundle.artifacts)) problems.push(`${p.path}: ${p.message}`);
  }
  if (problems.length) return preflightCheck('bundle', title, 'fail', `${id}: ${problems.join('; ')}`, 'Use a bundle built for this topology that declares its stack (see docs/bundles.md).');
  if (sig.status !== 'trusted') {
    // openVerifiedBundle let it through only because the engineer allowed unsigned bundles for this site.
    return preflightCheck('bundle', title, 'warn', `${id}: accepted without a trusted signature (allowed for this site)`, 'Ask the vendor for a bundle signed with a key in the trusted set.');
  }
  return preflightCheck('bundle', title, 'pass', id);
}
