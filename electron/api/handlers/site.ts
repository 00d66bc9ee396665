import { addHost, initSiteWithSecrets, loadSite, readSecrets, siteFromLab, summarizeSite } from '../../engine/site/index.js';
import { acceptHostKey, scanHostKey, testTargets } from '../../engine/targets/index.js';
import { ApplianceError } from '../../engine/errors.js';
import type { HandlerMap } from '../handlers.js';
import { siteHolds, typedPassphrase, unlockSite } from '../typed-passphrase.js';

// A passphrase typed into the renderer is registered for redaction once the site proved it
// (created with it, or unlocked by it), never on arrival; it lives in the call's secret scope.

export const siteHandlers = {
  'site.init': async (input) => {
    await initSiteWithSecrets(input.dir, { name: input.name, topology: input.topology, ...(input.domain ? { domain: input.domain } : {}) }, input.passphrase);
    siteHolds(input.passphrase);
    const site = input.fromLab ? await siteFromLab(input.dir, { labName: input.fromLab }) : await loadSite(input.dir);
    return summarizeSite(site);
  },
  'site.open': async (input) => summarizeSite(await loadSite(input.dir)),
  'site.addHost': async (input) => {
    // The host's password / key passphrase are registered by the engine when it stores them.
    // Typed, or this window's unlocked session; addHost itself proves it against secrets.enc.
    const passphrase = typedPassphrase(input.passphrase, 'store the host\'s credentials', input.dir);
    const site = await addHost(input.dir, passphrase, {
      host: input.host,
      ...(input.password ? { password: input.password } : {}),
      ...(input.keyPassphrase ? { keyPassphrase: input.keyPassphrase } : {}),
      replace: !!input.replace,
    });
    siteHolds(passphrase);
    return summarizeSite(site, Object.keys(await readSecrets(input.dir, passphrase)));
  },
  'site.hostKey.scan': async (input) => {
    const site = await loadSite(input.dir);
    const host = site.config.hosts.find((h) => h.name === input.host);
    if (!host) throw new ApplianceError('NOT_FOUND', `No host "${input.host}" in ${input.dir}/site.yaml.`);
    const scanned = await scanHostKey({ name: host.name, address: host.address, port: host.port });
    return { host: host.name, ...scanned, pinned: host.hostKey ?? null, matches: host.hostKey === scanned.fingerprint };
  },
  'site.hostKey.accept': async (input) => acceptHostKey(input.dir, input.host, input.fingerprint, { replace: !!input.replace }),
  'targets.test': async (input, ctx) => {
    const site = await loadSite(input.dir);
    const passphrase = await unlockSite(input.dir, input.passphrase, 'test its hosts');
    const results = await testTargets(site, passphrase, {
      signal: ctx.signal,
      ...(input.hosts ? { hosts: input.hosts } : {}),
      ...(input.connectTimeoutMs ? { connectTimeoutMs: input.connectTimeoutMs } : {}),
    });
    for (const r of results) ctx.onEvent({ type: 'log', task: ctx.task, host: r.host, stream: r.ok ? 'info' : 'warn', line: r.ok ? 'connection test passed' : ([r.reachable, r.auth, r.sudo, r.disk].find((c) => !c.ok)?.detail ?? 'failed') });
    return { ok: results.length > 0 && results.every((r) => r.ok), results };
  },
} satisfies HandlerMap<'site.init' | 'site.open' | 'site.addHost' | 'site.hostKey.scan' | 'site.hostKey.accept' | 'targets.test'>;
