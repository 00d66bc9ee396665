import { addHost, initSiteWithSecrets, loadSite, readSecrets, siteFromLab, summarizeSite } from '../../engine/site/index.js';
import { registerSecret } from '../../engine/redact.js';
import { acceptHostKey, scanHostKey, testTargets } from '../../engine/targets/index.js';
import { ApplianceError } from '../../engine/errors.js';
import type { HandlerMap } from '../handlers.js';

// Secrets typed into the renderer are masked in every log line from the moment they arrive.
function registerSecrets(...values: (string | undefined)[]): void {
  for (const v of values) registerSecret(v);
}

export const siteHandlers = {
  'site.init': async (input) => {
    registerSecrets(input.passphrase);
    await initSiteWithSecrets(input.dir, { name: input.name, topology: input.topology, ...(input.domain ? { domain: input.domain } : {}) }, input.passphrase);
    const site = input.fromLab ? await siteFromLab(input.dir, { labName: input.fromLab }) : await loadSite(input.dir);
    return summarizeSite(site);
  },
  'site.open': async (input) => summarizeSite(await loadSite(input.dir)),
  'site.addHost': async (input) => {
    registerSecrets(input.passphrase, input.password, input.keyPassphrase);
    const site = await addHost(input.dir, input.passphrase, {
      host: input.host,
      ...(input.password ? { password: input.password } : {}),
      ...(input.keyPassphrase ? { keyPassphrase: input.keyPassphrase } : {}),
      replace: !!input.replace,
    });
    return summarizeSite(site, Object.keys(await readSecrets(input.dir, input.passphrase)));
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
    registerSecrets(input.passphrase);
    const site = await loadSite(input.dir);
    const results = await testTargets(site, input.passphrase, { ...(input.hosts ? { hosts: input.hosts } : {}), ...(input.connectTimeoutMs ? { connectTimeoutMs: input.connectTimeoutMs } : {}) });
    for (const r of results) ctx.onEvent({ type: 'log', task: ctx.task, host: r.host, stream: r.ok ? 'info' : 'warn', line: r.ok ? 'connection test passed' : ([r.reachable, r.auth, r.sudo, r.disk].find((c) => !c.ok)?.detail ?? 'failed') });
    return { ok: results.length > 0 && results.every((r) => r.ok), results };
  },
} satisfies HandlerMap<'site.init' | 'site.open' | 'site.addHost' | 'site.hostKey.scan' | 'site.hostKey.accept' | 'targets.test'>;
