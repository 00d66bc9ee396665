/**
 * The environment handed to child processes (local commands, docker, lab tools): the parent's,
 * minus the appliance's own secrets. A site passphrase given as APPLIANCE_PASSPHRASE, or any
 * *PASSWORD / *SECRET / *TOKEN variable, must not reach a child's /proc/<pid>/environ; nor does
 * the SSH agent socket, which would let a local command use the engineer's keys.
 */
const SECRET_NAME = /(PASSPHRASE|PASSWORD|PASSWD|SECRET|TOKEN)/i;
const DROPPED = new Set(['SSH_AUTH_SOCK', 'SSH_AGENT_PID']);

export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || DROPPED.has(k) || SECRET_NAME.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
