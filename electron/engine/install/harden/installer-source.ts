import { ApplianceError } from '../../errors.js';
import { parseIp } from '../../network/ipv4.js';
import type { StepContext } from '../types.js';

/** Where the installer's SSH session comes from and lands, as sshd sees it. */
export interface InstallerSource {
  /** The installer's address as the host sees it (after any NAT). */
  address: string;
  /** The port sshd answered on. */
  sshPort: number;
}

/**
 * Reads SSH_CONNECTION ("client port server port") of the step's own session: the address the
 * firewall must keep admitting and fail2ban must never ban. Read-only.
 */
export async function installerSource(ctx: StepContext): Promise<InstallerSource> {
  const r = await ctx.probeExec(['printenv', 'SSH_CONNECTION'], { allowFailure: true });
  const [client, , , port] = r.stdout.trim().split(/\s+/);
  const sshPort = Number(port);
  if (r.exitCode !== 0 || !client || !Number.isInteger(sshPort) || sshPort < 1) {
    throw new ApplianceError('UNSUPPORTED', `Cannot tell where the installer's SSH session to ${ctx.host} comes from (SSH_CONNECTION is not set): the firewall is only changed over SSH, so the installer's own access can be kept open.`, { host: ctx.host });
  }
  if (parseIp(client) === null && !/^[0-9a-fA-F:.]+:[0-9a-fA-F:.]*$/.test(client)) throw new ApplianceError('FAILED', `SSH_CONNECTION on ${ctx.host} names an address the appliance cannot read: ${client.slice(0, 60)}`, { host: ctx.host });
  return { address: client, sshPort };
}
