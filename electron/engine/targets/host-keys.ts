import ssh2 from 'ssh2';
import { ApplianceError } from '../errors.js';
import { loadSite, updateSite } from '../site/store.js';
import { sshFingerprint } from './fingerprint.js';
import { mapConnectError } from './ssh-target.js';

const { Client } = ssh2;

export interface ScannedHostKey {
  fingerprint: string;
  /** e.g. ssh-ed25519 */
  keyType: string;
}

/**
 * Connects far enough to see the server's host key, then hangs up: nothing is authenticated
 * or run. The result is what the engineer compares with the server's console before accepting.
 */
export async function scanHostKey(opts: { name?: string; address: string; port?: number; timeoutMs?: number }): Promise<ScannedHostKey> {
  const port = opts.port ?? 22;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = new Client();
  let fingerprint: string | undefined;
  let keyType = 'unknown';
  return new Promise<ScannedHostKey>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error & { level?: string; code?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      client.destroy();
      if (fingerprint) resolve({ fingerprint, keyType });
      else reject(mapConnectError(err ?? new Error('closed before a host key was presented'), { name: opts.name ?? opts.address, who: opts.address, address: opts.address, port, timeoutMs, tried: [] }));
    };
    const guard = setTimeout(() => finish(Object.assign(new Error('timeout'), { level: 'client-timeout' })), timeoutMs + 1_000);
    client.on('error', finish);
    client.on('close', () => finish());
    client.connect({
      host: opts.address,
      port,
      username: 'host-key-scan',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        fingerprint = sshFingerprint(key);
        // The key blob starts with its type as an SSH string (uint32 length + name).
        const len = key.length >= 4 ? key.readUInt32BE(0) : 0;
        if (len > 0 && len < 64 && key.length >= 4 + len) keyType = key.subarray(4, 4 + len).toString('latin1');
        // Refusing ends the handshake here: the scan never authenticates.
        setImmediate(() => finish());
        return false;
      },
    });
  });
}

/**
 * Pins a host key into site.yaml after explicit acceptance: only when `fingerprint` equals what
 * the host presents right now (so a typo or a changed server cannot be pinned by mistake).
 * A host that already has a different pin is a CONFLICT unless `replace` is set.
 */
export async function acceptHostKey(dir: string, hostName: string, fingerprint: string, opts: { replace?: boolean; timeoutMs?: number } = {}): Promise<{ host: string; fingerprint: string; changed: boolean }> {
  const site = await loadSite(dir);
  const host = site.config.hosts.find((h) => h.name === hostName);
  if (!host) throw new ApplianceError('NOT_FOUND', `No host "${hostName}" in ${dir}/site.yaml (hosts: ${site.config.hosts.map((h) => h.name).join(', ') || 'none'}).`, { host: hostName });
  const scanned = await scanHostKey({ name: host.name, address: host.address, port: host.port, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  if (scanned.fingerprint !== fingerprint) {
    throw new ApplianceError('INTEGRITY', `${hostName} presents ${scanned.fingerprint}, not the fingerprint given (${fingerprint}); nothing was pinned. Check the key on the server's console.`, {
      host: hostName,
      presented: scanned.fingerprint,
      given: fingerprint,
    });
  }
  if (host.hostKey === fingerprint) return { host: hostName, fingerprint, changed: false };
  if (host.hostKey && !opts.replace) {
    throw new ApplianceError('CONFLICT', `${hostName} already has the pinned host key ${host.hostKey}; it now presents ${fingerprint}. Replace the pin only if you verified on the console that the server's key was regenerated.`, {
      host: hostName,
      pinned: host.hostKey,
      presented: fingerprint,
    });
  }
  await updateSite(dir, (c) => {
    const h = c.hosts.find((x) => x.name === hostName)!;
    h.hostKey = fingerprint;
  });
  return { host: hostName, fingerprint, changed: true };
}
