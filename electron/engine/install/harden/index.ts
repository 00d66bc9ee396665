/**
 * Configure and harden steps that touch the host OS (issue 10, "Network and hosts",
 * "Hardening"): /etc/hosts, the nftables firewall, sysctl, fail2ban and sshd. The steps that
 * could lock the installer out (firewall, sshd) prove a FRESH SSH login with sudo before they
 * keep a change, and roll it back when the proof fails.
 */
import type { NetworkPlan } from '../../network/index.js';
import type { Step } from '../types.js';
import { fail2banStep } from './fail2ban.js';
import type { FreshLogin } from './login-proof.js';
import { sshdHardeningStep } from './sshd.js';
import { sysctlHardeningStep } from './sysctl.js';

export { hostsFileStep, managedHostsLines, withManagedBlock, HOSTS_BEGIN, HOSTS_END } from './hosts-file.js';
export { firewallSteps, NFT_FILE, REVERT_UNIT, type FirewallOptions } from './firewall.js';
export { renderFirewall, extraInputLines, rulesetId, type FirewallInput } from './firewall-render.js';
export { SSHD_DROPIN, sshdDropin, sshdHardeningStep, type SshdOptions } from './sshd.js';
export { SYSCTL_DROPIN, sysctlHardeningStep } from './sysctl.js';
export { JAIL_FILE, fail2banStep, jailText } from './fail2ban.js';
export { type FreshLogin, siteHostLogin, proveFreshLogin, assertKeyLoginConfigured } from './login-proof.js';
export { installerSource, type InstallerSource } from './installer-source.js';

export interface HardeningOptions {
  /** Opens a new SSH connection to the host as the site logs in (siteHostLogin). */
  login: FreshLogin;
  /** The site's network plan (fail2ban never bans its management segment). */
  plan?: NetworkPlan;
  /** Site-specific sshd lines added to the drop-in (e.g. "AllowGroups sshadmins"). */
  sshdExtra?: string[];
}

/**
 * The harden phase's host steps, in order: sysctl, fail2ban (its sshd jail), sshd (guarded by a
 * fresh-login proof before and after, rolled back when it fails). The firewall comes from
 * firewallSteps.
 */
export function hardeningSteps(host: string, opts: HardeningOptions): Step[] {
  const sysctl = sysctlHardeningStep(host);
  const fail2ban = { ...fail2banStep(host, opts.plan), dependsOn: [sysctl.id] };
  const sshd = { ...sshdHardeningStep(host, { login: opts.login, ...(opts.sshdExtra ? { extra: opts.sshdExtra } : {}) }), dependsOn: [fail2ban.id] };
  return [sysctl, fail2ban, sshd];
}
