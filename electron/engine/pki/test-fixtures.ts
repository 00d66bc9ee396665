import { planFromPreset } from '../network/index.js';
import { initSite, updateSite, writeSecrets, type SiteHostInput } from '../site/index.js';

/**
 * Builds a real site folder for PKI tests and the benchmark: site.yaml with hosts and the
 * on-premise guide's network plan, and secrets.enc under the passphrase. Not used by the app.
 */
export async function makePkiTestSite(dir: string, opts: { topology: 'single' | 'k3s-3'; passphrase: string; name?: string }): Promise<void> {
  await initSite(dir, { name: opts.name ?? 'St Example Hospital', topology: opts.topology, domain: 'hospital-erp.local' });
  await writeSecrets(dir, opts.passphrase, { 'db.password': 'not-a-real-password' });
  const hosts: SiteHostInput[] =
    opts.topology === 'single'
      ? [{ name: 'app1', address: '10.99.0.11', user: 'admin', role: 'server', auth: 'agent' }]
      : [
          { name: 'lb1', address: '10.99.0.10', user: 'admin', role: 'lb', auth: 'agent' },
          { name: 'node1', address: '10.99.0.11', user: 'admin', role: 'server', auth: 'agent' },
          { name: 'node2', address: '10.99.0.12', user: 'admin', role: 'server', auth: 'agent' },
          { name: 'node3', address: '10.99.0.13', user: 'admin', role: 'server', auth: 'agent' },
          { name: 'db1', address: '10.99.0.21', user: 'admin', role: 'db', auth: 'agent' },
          { name: 'db2', address: '10.99.0.22', user: 'admin', role: 'db', auth: 'agent' },
          { name: 'mon1', address: '10.99.0.31', user: 'admin', role: 'mgmt', auth: 'agent' },
        ];
  await updateSite(dir, (config) => {
    config.hosts = hosts as typeof config.hosts;
    config.network = planFromPreset('onprem-guide', { topology: opts.topology, hosts: hosts.map((h) => ({ name: h.name, role: h.role })), domain: 'hospital-erp.local' });
  });
}
