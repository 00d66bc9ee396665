import { ApplianceError } from '../../errors.js';
import type { Step, StepContext } from '../types.js';
import { hardeningAsset } from './assets.js';
import { type FreshLogin, assertKeyLoginConfigured, proveFreshLogin } from './login-proof.js';
import { STATE_DIR, lastLine, readRemote, sha256, writeRootFile } from './remote.js';

/**
 * The drop-in. 00-: sshd keeps the FIRST value it reads for a keyword and reads
 * sshd_config.d/*.conf in name order, so this must sort before the others (Ubuntu's
 * 50-cloud-init.conf sets PasswordAuthentication yes; the lab's 00-lab.conf allows passwords).
 */
export const SSHD_DROPIN = '/etc/ssh/sshd_config.d/00-airgap-appliance.conf';
const STAMP = `${STATE_DIR}/sshd.stamp`;
/** The drop-in as it was before an unproven change (or a marker that there was none). */
const BACKUP = `${STATE_DIR}/sshd-dropin.previous`;
const BACKUP_NONE = `${STATE_DIR}/sshd-dropin.previous-none`;

/** Keeps the pre-change drop-in once: a re-run after an interruption must not back up its own unproven file. */
const BACKUP_ONCE = `set -eu
f="$1"; b="$2"; none="$3"
mkdir -p "$(dirname "$b")"
if [ ! -e "$b" ] && [ ! -e "$none" ]; then
  if [ -e "$f" ]; then cp -p "$f" "$b.tmp" && mv -f "$b.tmp" "$b"; else : > "$none"; fi
fi
`;
const RESTORE = `f="$1"; b="$2"; none="$3"
if [ -e "$b" ]; then cp -p "$b" "$f"; elif [ -e "$none" ]; then rm -f "$f"; fi
rm -f "$b" "$none"
`;

export interface SshdOptions {
  login: FreshLogin;
  /** Site-specific lines added to the drop-in (e.g. "AllowGroups sshadmins"); checked by sshd -t and the login proof. */
  extra?: string[];
}

/** The drop-in's text. */
export function sshdDropin(extra: string[] = []): string {
  for (const line of extra) {
    if (/[\r\n]/.test(line) || !/^[A-Za-z0-9]+\s+\S/.test(line)) throw new ApplianceError('VALIDATION', `An extra sshd line must be one "Keyword value" line: ${JSON.stringify(line.slice(0, 80))}`);
  }
  return hardeningAsset('sshd-hardening.conf', { extra: extra.join('\n') }).replace(/\n+$/, '\n');
}

/** keyword -> value (lowercase, as `sshd -T` prints them) of the drop-in's settings. */
export function expectedSettings(dropin: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of dropin.split('\n')) {
    const m = /^([A-Za-z0-9]+)\s+(.+?)\s*$/.exec(line);
    if (m && !line.startsWith('#')) out.set(m[1]!.toLowerCase(), m[2]!.toLowerCase());
  }
  return out;
}

/** Settings sshd would run with (`sshd -T`) that differ from the drop-in's, as "keyword: have (want)". */
async function effectiveGaps(ctx: StepContext, want: Map<string, string>): Promise<string[]> {
  const r = await ctx.probeExec(['sshd', '-T'], { sudo: true, allowFailure: true });
  if (r.exitCode !== 0) return [`sshd -T fails: ${lastLine(r.stderr)}`];
  const have = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0) have.set(line.slice(0, i), [...(have.get(line.slice(0, i)) ?? []), line.slice(i + 1).trim().toLowerCase()]);
  }
  const gaps: string[] = [];
  for (const [k, v] of want) {
    const values = have.get(k) ?? [];
    // List keywords (AllowUsers a b) print one line per value.
    const words = values.join(' ').split(' ');
    if (!values.includes(v) && !v.split(/\s+/).every((w) => words.includes(w))) gaps.push(`${k}: ${values.join(', ') || 'unset'} (want ${v})`);
  }
  return gaps;
}

async function state(ctx: StepContext, dropin: string): Promise<string[]> {
  const [file, stamp] = await Promise.all([readRemote(ctx, SSHD_DROPIN), readRemote(ctx, STAMP)]);
  const gaps: string[] = [];
  if (file !== dropin) gaps.push(file === null ? `${SSHD_DROPIN} missing` : `${SSHD_DROPIN} differs`);
  else if (stamp !== `${sha256(dropin)}\n`) gaps.push('not yet reloaded and proven with a fresh login');
  gaps.push(...(await effectiveGaps(ctx, expectedSettings(dropin))));
  return gaps;
}

/**
 * Step "harden.sshd": no root login, no passwords, MaxAuthTries 3 and the rest of the guide's
 * list as a drop-in read before any other. Guarded: refuses when the site logs in with a password
 * or as root; proves a fresh key login with sudo BEFORE the change; checks `sshd -t`; reloads;
 * proves a fresh login again, and if that fails restores the previous drop-in, reloads and fails.
 */
export function sshdHardeningStep(host: string, opts: SshdOptions): Step {
  const dropin = sshdDropin(opts.extra);
  const rollback = async (ctx: StepContext) => {
    await ctx.exec({ script: RESTORE, args: [SSHD_DROPIN, BACKUP, BACKUP_NONE], label: 'sshd-restore' }, { sudo: true, allowFailure: true });
    await ctx.exec(['sshd', '-t'], { sudo: true, allowFailure: true });
    await ctx.exec(['systemctl', 'reload', 'ssh.service'], { sudo: true, allowFailure: true });
  };
  return {
    id: 'harden.sshd',
    title: 'sshd: no root login, no passwords, MaxAuthTries 3',
    host,
    phase: 'harden',
    async probe(ctx) {
      const gaps = await state(ctx, dropin);
      if (gaps.length === 0) return { done: true, reason: 'sshd runs hardened (sshd -T)' };
      // The plan preview shows a refusal now, not halfway through the run.
      try {
        assertKeyLoginConfigured(ctx);
      } catch (e) {
        return { done: false, reason: `will refuse: ${(e as Error).message}` };
      }
      return { done: false, reason: gaps.join('; ') };
    },
    async apply(ctx) {
      assertKeyLoginConfigured(ctx);
      await proveFreshLogin(ctx, opts.login, 'Before hardening sshd');
      await ctx.exec({ script: BACKUP_ONCE, args: [SSHD_DROPIN, BACKUP, BACKUP_NONE], label: 'sshd-backup' }, { sudo: true });
      await writeRootFile(ctx, SSHD_DROPIN, dropin, '0644');
      const test = await ctx.exec(['sshd', '-t'], { sudo: true, allowFailure: true });
      if (test.exitCode !== 0) {
        await rollback(ctx);
        throw new ApplianceError('FAILED', `sshd on ${host} rejects the hardened configuration (sshd -t: ${lastLine(test.stderr)}); the previous configuration is back.`, { host });
      }
      await ctx.exec(['systemctl', 'reload', 'ssh.service'], { sudo: true });
      try {
        await proveFreshLogin(ctx, opts.login, 'After hardening sshd');
      } catch (e) {
        await rollback(ctx);
        throw new ApplianceError('FAILED', `Hardening sshd on ${host} was rolled back: ${(e as Error).message}. The previous sshd configuration is back and logins work as before.`, { host });
      }
      await ctx.exec(['rm', '-f', '--', BACKUP, BACKUP_NONE], { sudo: true });
      await writeRootFile(ctx, STAMP, `${sha256(dropin)}\n`, '0644');
    },
    async verify(ctx) {
      const gaps = await state(ctx, dropin);
      if (gaps.length > 0) {
        const others = await ctx.probeExec(['sh', '-c', 'grep -l -i -E "^[[:space:]]*(PermitRootLogin|PasswordAuthentication|KbdInteractiveAuthentication|MaxAuthTries)" /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf 2>/dev/null'], { sudo: true, allowFailure: true });
        throw new ApplianceError('FAILED', `sshd on ${host} does not run hardened: ${gaps.join('; ')}. Files that set these: ${others.stdout.trim().split('\n').join(', ') || 'none'} (sshd keeps the first value it reads).`, { host });
      }
    },
  };
}
