import { ApplianceError } from '../../errors.js';
import type { NetworkPlan } from '../../network/index.js';
import type { Step, StepContext } from '../types.js';
import { hardeningAsset } from './assets.js';
import { installerSource } from './installer-source.js';
import { commandPath, lastLine, readRemote, writeRootFile } from './remote.js';

export const JAIL_FILE = '/etc/fail2ban/jail.d/airgap-appliance.local';

/**
 * The jail: sshd on the site's SSH port, journal backend, nftables ban actions, and never a ban
 * for loopback, the plan's management segment (where engineers administer from) or the
 * installer's own address: a failed fresh-login proof is an authentication failure too, and a
 * few of them must not get the installer banned.
 */
export function jailText(port: number, plan: NetworkPlan | undefined, installer: string): string {
  const ignore = [plan?.segments.mgmt.cidr, installer].filter((a): a is string => !!a && /^[0-9a-fA-F.:/]+$/.test(a));
  return hardeningAsset('fail2ban-sshd.local', { port, ignore: ignore.map((a) => ` ${a}`).join('') });
}

/** The sshd jail's status, or why there is none (read-only). */
async function jailStatus(ctx: StepContext): Promise<{ ok: boolean; text: string }> {
  const r = await ctx.probeExec(['fail2ban-client', 'status', 'sshd'], { sudo: true, allowFailure: true, timeoutMs: 15_000 });
  return { ok: r.exitCode === 0 && /Status for the jail: sshd/.test(r.stdout), text: r.exitCode === 0 ? r.stdout : lastLine(r.stderr || r.stdout) };
}

const absent = (host: string) => `fail2ban is not installed on ${host} (no fail2ban-client): the bundle's host packages bring it`;

/**
 * Step "harden.fail2ban": the sshd jail as a jail.d .local file (read after every .conf, so the
 * distribution's defaults cannot override it), fail2ban enabled and reloaded, the jail running.
 * fail2ban itself comes from the bundle's host packages (an earlier step).
 */
export function fail2banStep(host: string, plan?: NetworkPlan): Step {
  const text = async (ctx: StepContext) => {
    const source = await installerSource(ctx);
    return jailText(source.sshPort, plan, source.address);
  };
  return {
    id: 'harden.fail2ban',
    title: 'fail2ban with the sshd jail',
    host,
    phase: 'harden',
    async probe(ctx) {
      if (!(await commandPath(ctx, 'fail2ban-client'))) return { done: false, reason: absent(host) };
      const [file, status, enabled] = await Promise.all([
        readRemote(ctx, JAIL_FILE),
        jailStatus(ctx),
        ctx.probeExec(['systemctl', 'is-enabled', 'fail2ban.service'], { allowFailure: true }),
      ]);
      const gaps = [file !== (await text(ctx)) ? `${JAIL_FILE} ${file === null ? 'missing' : 'differs'}` : '', status.ok ? '' : 'sshd jail not running', enabled.stdout.trim() === 'enabled' ? '' : 'fail2ban not enabled'].filter(Boolean);
      return gaps.length === 0 ? { done: true, reason: 'the sshd jail is running' } : { done: false, reason: gaps.join('; ') };
    },
    async apply(ctx) {
      if (!(await commandPath(ctx, 'fail2ban-client'))) throw new ApplianceError('NOT_FOUND', `${absent(host)}; install them first.`, { host });
      await writeRootFile(ctx, JAIL_FILE, await text(ctx), '0644');
      await ctx.exec(['systemctl', 'enable', 'fail2ban.service'], { sudo: true });
      // reload-or-restart starts it when stopped and reloads the jails when running.
      await ctx.exec(['systemctl', 'reload-or-restart', 'fail2ban.service'], { sudo: true });
    },
    async verify(ctx) {
      // The server needs a moment after a (re)start before it answers.
      let status = await jailStatus(ctx);
      for (let i = 0; i < 30 && !status.ok; i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = await jailStatus(ctx);
      }
      if (!status.ok) {
        const journal = await ctx.probeExec(['journalctl', '-u', 'fail2ban.service', '-n', '5', '--no-pager', '-o', 'cat'], { sudo: true, allowFailure: true });
        throw new ApplianceError('FAILED', `fail2ban on ${host} has no running sshd jail: ${status.text}. Last log lines: ${journal.stdout.trim().split('\n').join(' | ').slice(0, 600)}`, { host });
      }
      const file = await readRemote(ctx, JAIL_FILE);
      if (file !== (await text(ctx))) throw new ApplianceError('FAILED', `${JAIL_FILE} on ${host} does not hold the sshd jail.`, { host });
    },
  };
}
