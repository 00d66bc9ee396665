import { ApplianceError } from '../../errors.js';
import type { NetworkPlan } from '../../network/index.js';
import type { Step, StepContext } from '../types.js';
import { type FreshLogin, proveFreshLogin } from './login-proof.js';
import { installerSource } from './installer-source.js';
import { renderFirewall, rulesetId } from './firewall-render.js';
import { commandPath, lastLine, readRemote, writeRootFile } from './remote.js';

/** The persisted ruleset, included by /etc/nftables.conf (loaded at boot by nftables.service). */
export const NFT_FILE = '/etc/nftables.d/airgap-appliance.nft';
/** Checked and loaded from here; renamed to NFT_FILE only once a fresh login proved it. */
const CANDIDATE = '/etc/nftables.d/.airgap-appliance.nft.candidate';
const NFT_CONF = '/etc/nftables.conf';
/** What the revert timer loads: the table as it was before this run (or its deletion). */
const ROLLBACK = '/run/airgap-appliance/firewall-rollback.nft';
export const REVERT_UNIT = 'airgap-appliance-firewall-revert';
const INCLUDE_LINE = `include "${NFT_FILE}"`;

export interface FirewallOptions {
  /** Opens a new SSH connection to the host (the proof that the installer still gets in). */
  login: FreshLogin;
  /** Seconds after which the armed timer restores the previous rules unless cancelled (default 90). */
  revertAfterSec?: number;
}

/** Saves the live table (or its absence) as a script that restores it, for the revert timer. */
const SNAPSHOT = `set -eu
rb="$1"
mkdir -p "$(dirname "$rb")"
{ echo 'table inet appliance_host'; echo 'delete table inet appliance_host'; nft list table inet appliance_host 2>/dev/null || true; } > "$rb.tmp"
mv -f "$rb.tmp" "$rb"
`;

/** An interrupted run may have left unproven rules with the timer still armed: revert them now. */
const SETTLE_PENDING = `unit="$1"; rb="$2"
if systemctl is-active --quiet "$unit.timer" && [ -s "$rb" ]; then nft -f "$rb"; echo reverted; fi
systemctl stop "$unit.timer" >/dev/null 2>&1 || true
systemctl reset-failed "$unit.timer" "$unit.service" >/dev/null 2>&1 || true
exit 0
`;

/** Keeps the proven ruleset: rename into place, include it from nftables.conf, enable at boot. */
const PERSIST = `set -eu
cand="$1"; final="$2"; conf="$3"; line="include \\"$final\\""
mv -f "$cand" "$final"
if [ ! -e "$conf" ]; then
  printf '#!/usr/sbin/nft -f\\n%s\\n' "$line" > "$conf.tmp"; chmod 0755 "$conf.tmp"; mv -f "$conf.tmp" "$conf"
elif ! grep -qxF "$line" "$conf"; then
  cp -p "$conf" "$conf.tmp"; printf '%s\\n' "$line" >> "$conf.tmp"; mv -f "$conf.tmp" "$conf"
fi
nft -c -f "$conf"
`;

interface Desired {
  content: string;
  installer: { address: string; sshPort: number };
}

async function desiredRuleset(ctx: StepContext, plan: NetworkPlan): Promise<Desired> {
  const installer = await installerSource(ctx);
  const proxy = ctx.stack.roles.proxy;
  const publishedPorts = ctx.site.config.topology === 'single' ? [proxy.httpPort, proxy.httpsPort] : [];
  return { content: renderFirewall(plan, ctx.host, { installer, publishedPorts }), installer };
}

const liveTable = async (ctx: StepContext): Promise<string | null> => {
  const r = await ctx.probeExec(['nft', 'list', 'table', 'inet', 'appliance_host'], { sudo: true, allowFailure: true });
  return r.exitCode === 0 ? r.stdout : null;
};

/**
 * What is missing, or [] when the ruleset is live, persisted and loaded at boot. The persisted
 * file is only ever written after a fresh login proved the rules, so file + live id = proven.
 */
async function missing(ctx: StepContext, want: Desired): Promise<string[]> {
  const [file, live, conf, enabled] = await Promise.all([
    readRemote(ctx, NFT_FILE),
    liveTable(ctx),
    readRemote(ctx, NFT_CONF),
    ctx.probeExec(['systemctl', 'is-enabled', 'nftables.service'], { allowFailure: true }),
  ]);
  const out: string[] = [];
  if (file !== want.content) out.push(file === null ? `${NFT_FILE} missing` : `${NFT_FILE} differs from the plan`);
  if (live === null) out.push('rules not loaded');
  else if (rulesetId(live) !== rulesetId(want.content)) out.push('other rules are loaded');
  if (!conf?.split('\n').includes(INCLUDE_LINE)) out.push(`${NFT_CONF} does not include it`);
  if (enabled.stdout.trim() !== 'enabled') out.push('nftables.service not enabled');
  return out;
}

/**
 * Step "firewall.nftables" (harden): the plan's input rules for this host plus the installer's
 * own SSH session and the stack's published ports, in table inet appliance_host. Guarded: the
 * rules are checked (`nft -c`), a timer is armed that restores the previous table after
 * revertAfterSec, the rules are loaded, and only when a FRESH SSH login with sudo still works is
 * the timer cancelled and the ruleset persisted (/etc/nftables.d, included by nftables.conf,
 * nftables.service enabled for boot). A failed proof restores the previous rules at once.
 * nftables.service is enabled, not (re)started: starting it runs nftables.conf, whose
 * distribution default begins with `flush ruleset`, which would drop Docker's running rules.
 */
export function firewallSteps(host: string, plan: NetworkPlan, opts: FirewallOptions): Step[] {
  const revertAfter = opts.revertAfterSec ?? 90;
  const step: Step = {
    id: 'firewall.nftables',
    title: 'Host firewall (nftables) from the network plan',
    host,
    phase: 'harden',
    async probe(ctx) {
      if (!(await commandPath(ctx, 'nft'))) return { done: false, reason: `nftables is not installed on ${host} (no nft): the bundle's host packages bring it` };
      const gaps = await missing(ctx, await desiredRuleset(ctx, plan));
      return gaps.length === 0 ? { done: true, reason: 'the plan\'s firewall is live, proven and persisted' } : { done: false, reason: gaps.join('; ') };
    },
    async apply(ctx) {
      const nft = await commandPath(ctx, 'nft');
      if (!nft) throw new ApplianceError('NOT_FOUND', `nftables is not installed on ${host} (no nft command): install the bundle's host packages (nftables) first.`, { host });
      const want = await desiredRuleset(ctx, plan);
      await writeRootFile(ctx, CANDIDATE, want.content, '0644');
      const check = await ctx.exec(['nft', '-c', '-f', CANDIDATE], { sudo: true, allowFailure: true });
      if (check.exitCode !== 0) throw new ApplianceError('FAILED', `nft rejects the firewall rendered for ${host}: ${lastLine(check.stderr)}`, { host });

      const settled = await ctx.exec({ script: SETTLE_PENDING, args: [REVERT_UNIT, ROLLBACK], label: 'firewall-settle-pending' }, { sudo: true });
      if (settled.stdout.includes('reverted')) ctx.log('an earlier run left unproven firewall rules: restored the ones before it', 'warn');
      await ctx.exec({ script: SNAPSHOT, args: [ROLLBACK], label: 'firewall-snapshot' }, { sudo: true });
      await ctx.exec(['systemd-run', `--unit=${REVERT_UNIT}`, `--on-active=${revertAfter}`, '--timer-property=AccuracySec=1s', '-p', 'CollectMode=inactive-or-failed', '--description=Airgap Appliance: restore the firewall unless the installer confirms it', nft, '-f', ROLLBACK], { sudo: true });
      ctx.log(`firewall: the previous rules come back in ${revertAfter} s unless a fresh login proves the new ones`);
      await ctx.exec(['nft', '-f', CANDIDATE], { sudo: true });
      try {
        await proveFreshLogin(ctx, opts.login, 'After loading the firewall');
      } catch (e) {
        // This session still works (established traffic is accepted): undo now, not in 90 s.
        await ctx.exec(['nft', '-f', ROLLBACK], { sudo: true, allowFailure: true });
        await ctx.exec(['systemctl', 'stop', `${REVERT_UNIT}.timer`], { sudo: true, allowFailure: true });
        throw new ApplianceError('FAILED', `The new firewall on ${host} was rolled back: ${(e as Error).message}. Check that the plan admits the installer's address ${want.installer.address} to port ${want.installer.sshPort}.`, { host });
      }
      await ctx.exec(['systemctl', 'stop', `${REVERT_UNIT}.timer`], { sudo: true });
      await ctx.exec({ script: PERSIST, args: [CANDIDATE, NFT_FILE, NFT_CONF], label: 'firewall-persist' }, { sudo: true });
      await ctx.exec(['systemctl', 'enable', 'nftables.service'], { sudo: true });
    },
    async verify(ctx) {
      const want = await desiredRuleset(ctx, plan);
      const gaps = await missing(ctx, want);
      if (gaps.length > 0) throw new ApplianceError('FAILED', `The firewall on ${host} is not in place: ${gaps.join('; ')}.`, { host });
      const live = (await liveTable(ctx)) ?? '';
      if (!live.includes(`saddr ${want.installer.address} tcp dport ${want.installer.sshPort} accept`)) {
        throw new ApplianceError('FAILED', `The live firewall on ${host} has no rule for the installer's SSH session from ${want.installer.address}.`, { host });
      }
      const timer = await ctx.probeExec(['systemctl', 'is-active', `${REVERT_UNIT}.timer`], { allowFailure: true });
      if (timer.stdout.trim() === 'active') throw new ApplianceError('FAILED', `The firewall revert timer on ${host} is still armed.`, { host });
    },
  };
  return [step];
}
