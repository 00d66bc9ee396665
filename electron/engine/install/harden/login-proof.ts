import { ApplianceError } from '../../errors.js';
import type { Site, SiteHost } from '../../site/index.js';
import { openTarget, siteAuditSink, type Target } from '../../targets/index.js';
import type { StepContext } from '../types.js';

/**
 * Opens a NEW SSH connection to the step's host, the way the next install run (or the engineer)
 * will log in: same address, port, user, key and pinned host key. The guards never trust the
 * connection they already hold: an open session survives an sshd reload and a firewall change
 * that would refuse every new one.
 */
export type FreshLogin = (signal: AbortSignal) => Promise<Target>;

/**
 * The FreshLogin of a site host from its site.yaml entry and its stored secrets (key passphrase,
 * sudo password), audited to the site's audit log like every other connection.
 */
export function siteHostLogin(site: Site, host: SiteHost, secrets: Record<string, string>): FreshLogin {
  return (signal) => openTarget(host, secrets, { siteDir: site.dir, audit: siteAuditSink(site), signal, connectTimeoutMs: 15_000 });
}

/** The site.yaml entry of the step's host (the guards need its user and auth). */
export function siteHostOf(ctx: StepContext): SiteHost {
  const h = ctx.site.config.hosts.find((x) => x.name === ctx.host);
  if (!h) throw new ApplianceError('NOT_FOUND', `Host ${ctx.host} is not in the site's site.yaml.`, { host: ctx.host });
  return h;
}

/**
 * Refuses hardening that would lock the installer out by its very settings: sshd will refuse
 * passwords and root, so the site must log in as a non-root user with a key (or the agent).
 */
export function assertKeyLoginConfigured(ctx: StepContext): SiteHost {
  const h = siteHostOf(ctx);
  if (h.auth === 'password') {
    throw new ApplianceError(
      'PERMISSION',
      `${ctx.host} is reached with ${h.user}'s password, and hardening turns password logins off: that would lock the installer out. Add the engineer's public key to ~${h.user}/.ssh/authorized_keys on ${ctx.host}, switch the host to key login ("appliance site add-host ${ctx.host} ... --auth key --key <private key>"), then run the install again.`,
      { host: ctx.host, user: h.user, auth: h.auth },
    );
  }
  if (h.user === 'root') {
    throw new ApplianceError(
      'PERMISSION',
      `${ctx.host} is reached as root, and hardening sets PermitRootLogin no: that would lock the installer out. Create an admin user with sudo and the engineer's key on ${ctx.host}, set it as the host's user in site.yaml, then run the install again.`,
      { host: ctx.host, user: h.user },
    );
  }
  return h;
}

/**
 * Proves that a fresh login works and that sudo works in it (throws PERMISSION/UNREACHABLE with
 * `when` in the message otherwise). Skipped in a dry run: nothing changed, nothing to prove.
 */
export async function proveFreshLogin(ctx: StepContext, login: FreshLogin, when: string): Promise<void> {
  if (ctx.dryRun) return;
  let target: Target | undefined;
  // sshd re-executes itself on reload and refuses connections for a moment: retry what looks
  // like that for a few seconds, but never an authentication failure.
  const deadline = Date.now() + 10_000;
  while (!target) {
    try {
      target = await login(ctx.signal);
    } catch (e) {
      const code = e instanceof ApplianceError && (e.code === 'CANCELLED' || e.code === 'UNREACHABLE') ? e.code : 'PERMISSION';
      if (code === 'UNREACHABLE' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      throw new ApplianceError(code, `${when}: a fresh SSH login to ${ctx.host} failed: ${(e as Error).message}`, { host: ctx.host });
    }
  }
  try {
    await target.exec(['true'], { sudo: true, timeoutMs: 20_000, signal: ctx.signal });
  } catch (e) {
    throw new ApplianceError('PERMISSION', `${when}: a fresh SSH login to ${ctx.host} works, but sudo in it does not: ${(e as Error).message}`, { host: ctx.host });
  } finally {
    await target.close().catch(() => undefined);
  }
  ctx.log(`${when}: a fresh SSH login with sudo works`);
}
