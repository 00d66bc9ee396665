import { ApplianceError } from '../../errors.js';
import { renderHostsFile } from '../../network/index.js';
import type { NetworkPlan } from '../../network/index.js';
import type { Step, StepContext } from '../types.js';
import { readRemote } from './remote.js';

export const HOSTS_PATH = '/etc/hosts';
export const HOSTS_BEGIN = '# BEGIN airgap-appliance: managed by the installer, replaced on every run';
export const HOSTS_END = '# END airgap-appliance';

export interface HostsInput {
  topology: 'single' | 'k3s-3';
  /** Every name the app answers to (app + api FQDNs). */
  appNames: string[];
  /** The host's own address as the site knows it. */
  address: string;
}

/**
 * The lines of the managed block: the plan's name table (hosts, DNS records; a fallback when the
 * internal DNS is down) and, on a single server, the app's names on the server's own address
 * (there is no VIP in front of it), taken out of the plan's VIP line so only one answer exists.
 */
export function managedHostsLines(plan: NetworkPlan | undefined, input: HostsInput): string[] {
  const single = input.topology === 'single';
  const appNames = new Set(input.appNames);
  const lines: string[] = [];
  if (plan) {
    for (const line of renderHostsFile(plan).split('\n')) {
      if (line === '' ) continue;
      if (line.startsWith('#')) {
        lines.push(line);
        continue;
      }
      const [address, words = ''] = line.split('\t');
      const kept = words.split(' ').filter((w) => w && !(single && appNames.has(w)));
      if (kept.length > 0) lines.push(`${address}\t${kept.join(' ')}`);
    }
  }
  if (single && appNames.size > 0) lines.push(`${input.address}\t${[...appNames].join(' ')}`);
  return lines;
}

/**
 * /etc/hosts with the managed block put in: replaced where it is, else appended; every other
 * line kept byte for byte. A begin marker without an end marker is refused (someone cut the
 * file by hand: replacing "to the end" could eat their lines).
 */
export function withManagedBlock(current: string, lines: string[]): string {
  const block = [HOSTS_BEGIN, ...lines, HOSTS_END].join('\n');
  const all = current.split('\n');
  const begin = all.indexOf(HOSTS_BEGIN);
  const end = all.indexOf(HOSTS_END);
  if (begin >= 0 && end < begin) throw new ApplianceError('CONFLICT', `${HOSTS_PATH} has the line "${HOSTS_BEGIN}" without "${HOSTS_END}" after it: fix the file by hand (remove the half block), then run again.`);
  if (begin < 0 && end >= 0) throw new ApplianceError('CONFLICT', `${HOSTS_PATH} has "${HOSTS_END}" without "${HOSTS_BEGIN}" before it: fix the file by hand, then run again.`);
  if (begin >= 0) return [...all.slice(0, begin), block, ...all.slice(end + 1)].join('\n');
  const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  return `${base}${block}\n`;
}

const inputOf = (ctx: StepContext): HostsInput => ({ topology: ctx.site.config.topology, appNames: ctx.vars.appNames, address: ctx.vars.address });

/**
 * Step "hosts.file" (configure): the site's names in /etc/hosts between marker lines, so
 * `https://<app name>` resolves on the host itself (the verify phase curls it there) and the
 * hosts find each other when the internal DNS is down.
 */
export function hostsFileStep(host: string, plan: NetworkPlan | undefined): Step {
  const desired = async (ctx: StepContext) => {
    const current = (await readRemote(ctx, HOSTS_PATH, false)) ?? '';
    return { current, next: withManagedBlock(current, managedHostsLines(plan, inputOf(ctx))) };
  };
  return {
    id: 'hosts.file',
    title: 'Site names in /etc/hosts',
    host,
    phase: 'configure',
    async probe(ctx) {
      const { current, next } = await desired(ctx);
      if (current === next) return { done: true, reason: `${HOSTS_PATH} has the site's names` };
      return { done: false, reason: current.includes(HOSTS_BEGIN) ? `${HOSTS_PATH}: the site's names changed` : `${HOSTS_PATH}: add the site's names (${ctx.vars.appFqdn} -> ${ctx.vars.address})` };
    },
    async apply(ctx) {
      const { current, next } = await desired(ctx);
      if (current !== next) await ctx.writeFile(HOSTS_PATH, next, { mode: '0644', owner: 'root:root' });
    },
    async verify(ctx) {
      const { current, next } = await desired(ctx);
      if (current !== next) throw new ApplianceError('FAILED', `${HOSTS_PATH} on ${host} does not hold the site's names after writing it.`, { host });
      if (ctx.site.config.topology !== 'single') return;
      // The resolver's answer, not the file: an earlier line for the same name would win.
      for (const name of ctx.vars.appNames) {
        const r = await ctx.probeExec(['getent', 'ahostsv4', name], { allowFailure: true });
        const first = r.stdout.trim().split(/\s+/)[0];
        if (first !== ctx.vars.address) {
          throw new ApplianceError('FAILED', `${name} resolves to ${first || 'nothing'} on ${host}, not to its own address ${ctx.vars.address}: an earlier line in ${HOSTS_PATH} (or DNS) answers for it; remove that line.`, { host, name });
        }
      }
    },
  };
}
