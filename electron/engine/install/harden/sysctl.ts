import { ApplianceError } from '../../errors.js';
import type { Step, StepContext } from '../types.js';
import { hardeningAsset } from './assets.js';
import { readRemote, writeRootFile } from './remote.js';

export const SYSCTL_DROPIN = '/etc/sysctl.d/60-airgap-appliance.conf';

/** key -> value of the drop-in. */
export function sysctlSettings(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z0-9_.]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (m) out.push([m[1]!, m[2]!]);
  }
  return out;
}

/**
 * Reads every key: "<key> <state> <value>" per line, state = ok (has the value), differs
 * (writable, other value), readonly (cannot be set here: a container's /proc/sys), absent.
 */
const READ = `for kv in "$@"; do
  k="\${kv%%=*}"; v="\${kv#*=}"; p="/proc/sys/$(printf %s "$k" | tr . /)"
  if [ ! -e "$p" ]; then echo "$k absent -"; continue; fi
  cur="$(cat "$p" 2>/dev/null | tr -s '[:space:]' ' ' | sed 's/ $//')"
  if [ "$cur" = "$v" ]; then echo "$k ok $cur"; elif [ -w "$p" ]; then echo "$k differs $cur"; else echo "$k readonly $cur"; fi
done
`;

/** Sets each writable key that differs, one by one, so one refused key does not stop the rest. */
const APPLY = `for kv in "$@"; do
  k="\${kv%%=*}"; p="/proc/sys/$(printf %s "$k" | tr . /)"
  if [ -e "$p" ] && [ -w "$p" ]; then sysctl -q -w "$kv" >/dev/null 2>&1 || echo "$k refused"; fi
done
exit 0
`;

interface KeyState {
  key: string;
  state: 'ok' | 'differs' | 'readonly' | 'absent';
  value: string;
}

async function readKeys(ctx: StepContext, settings: [string, string][]): Promise<KeyState[]> {
  const r = await ctx.probeExec({ script: READ, args: settings.map(([k, v]) => `${k}=${v}`), label: 'sysctl-read' }, { sudo: true });
  return r.stdout.trim().split('\n').filter(Boolean).map((line) => {
    const [key = '', state = 'absent', value = ''] = line.split(' ');
    return { key, state: state as KeyState['state'], value };
  });
}

/**
 * Step "harden.sysctl": the guide's kernel settings in /etc/sysctl.d (loaded at boot) and set
 * now. ip_forward stays 1 (Docker publishes ports through forwarding). Keys this host cannot set
 * (a container's read-only /proc/sys, a missing IPv6 stack) are warnings, not failures: the file
 * still applies them on a real boot; verify checks every key that can be set here.
 */
export function sysctlHardeningStep(host: string): Step {
  const text = hardeningAsset('sysctl-hardening.conf');
  const settings = sysctlSettings(text);
  const unsettable = (keys: KeyState[]) => keys.filter((k) => k.state === 'readonly' || k.state === 'absent');
  return {
    id: 'harden.sysctl',
    title: 'Kernel hardening (sysctl)',
    host,
    phase: 'harden',
    async probe(ctx) {
      const [file, keys] = await Promise.all([readRemote(ctx, SYSCTL_DROPIN), readKeys(ctx, settings)]);
      const differs = keys.filter((k) => k.state === 'differs').map((k) => k.key);
      const skipped = unsettable(keys).length;
      if (file === text && differs.length === 0) return { done: true, reason: `${settings.length - skipped} settings in force${skipped ? `, ${skipped} cannot be set on this host` : ''}` };
      return { done: false, reason: [file !== text ? `${SYSCTL_DROPIN} ${file === null ? 'missing' : 'differs'}` : '', differs.length ? `${differs.length} settings differ (${differs.slice(0, 3).join(', ')}${differs.length > 3 ? ', ...' : ''})` : ''].filter(Boolean).join('; ') };
    },
    async apply(ctx) {
      await writeRootFile(ctx, SYSCTL_DROPIN, text, '0644');
      const r = await ctx.exec({ script: APPLY, args: settings.map(([k, v]) => `${k}=${v}`), label: 'sysctl-apply' }, { sudo: true });
      for (const line of r.stdout.trim().split('\n').filter(Boolean)) ctx.log(`sysctl: the kernel refused ${line.split(' ')[0]}`, 'warn');
      const skipped = unsettable(await readKeys(ctx, settings));
      if (skipped.length > 0) {
        ctx.log(`sysctl: ${skipped.length} settings cannot be set on ${host} now (${skipped.map((k) => `${k.key}: ${k.state}`).join(', ')}); they are in ${SYSCTL_DROPIN} for the next boot`, 'warn');
      }
    },
    async verify(ctx) {
      const file = await readRemote(ctx, SYSCTL_DROPIN);
      if (file !== text) throw new ApplianceError('FAILED', `${SYSCTL_DROPIN} on ${host} does not hold the hardening settings.`, { host });
      const differs = (await readKeys(ctx, settings)).filter((k) => k.state === 'differs');
      if (differs.length > 0) throw new ApplianceError('FAILED', `sysctl settings on ${host} did not take: ${differs.map((k) => `${k.key} is ${k.value}`).join(', ')}.`, { host });
    },
  };
}
