import { ApplianceError } from '../errors.js';
import { NetworkPlan, parseIp } from '../network/index.js';
import type { SiteConfig } from '../site/index.js';

/** One certificate the site needs: its names and where it is meant to be installed. */
export interface PlannedCertificate {
  /** Folder name under pki/issued/, e.g. "web". */
  name: string;
  /** What uses it, shown in lists. */
  purpose: string;
  commonName: string;
  /** SAN dNSNames, lowercase, sorted, unique. */
  dns: string[];
  /** SAN iPAddresses (IPv4), sorted, unique. */
  ip: string[];
  /** Intended install destinations per site host (the install engine records the real ones). */
  destinations: { host: string; paths: string[] }[];
  /** Also write haproxy.pem (cert + chain + key) for HAProxy's `crt`. */
  haproxy: boolean;
}

/** What the certificate plan needs from a site: site.yaml's config (domain, topology, hosts, network). */
export type CertificatePlanInput = Pick<SiteConfig, 'topology' | 'domain' | 'hosts' | 'network'> & { pki?: unknown };

const ipSort = (a: string, b: string) => (parseIp(a) ?? 0) - (parseIp(b) ?? 0);
const uniq = (xs: string[]) => [...new Set(xs)];

/** Reads the site's network plan; VALIDATION when there is none (the CA is constrained to its segments). */
export function sitePlan(config: Pick<SiteConfig, 'network'>): NetworkPlan {
  if (config.network === undefined) {
    throw new ApplianceError('VALIDATION', 'The site has no network plan yet: plan the network first ("appliance network plan"); the CA and its certificates are limited to the plan\'s segments and names.');
  }
  const r = NetworkPlan.safeParse(config.network);
  if (!r.success) throw new ApplianceError('VALIDATION', `The site's network plan is not valid (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}); fix it with "appliance network validate".`);
  return r.data;
}

/** Extra SAN names remembered in site.yaml under `pki.extraNames` (added with --extra-name). */
export function rememberedExtraNames(config: CertificatePlanInput): string[] {
  const pki = config.pki as { extraNames?: unknown } | undefined;
  return Array.isArray(pki?.extraNames) ? pki.extraNames.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Derives every server certificate of the site from site.yaml and its network plan:
 * - web: the domain and every DNS record that points at the VIP (api, @), plus the VIP; for
 *   nginx and HAProxy on the load balancers (or the single server).
 * - postgresql: db-primary / db-standby names and their data-segment addresses.
 * - redis: the redis name and address.
 * - grafana: grafana.<domain> and the monitoring host's address.
 * - k3s-api (K3s topology): VIP, api/k3s names, each node's name and app-segment address; the
 *   same list is what K3s's `tls-san` should carry.
 * `extraNames` (DNS names or IPv4 addresses) are added to the web certificate. The one place
 * names are derived, so the inputs can change without touching issuing.
 */
export function certificatePlan(config: CertificatePlanInput, extraNames: string[] = []): PlannedCertificate[] {
  const plan = sitePlan(config);
  const domain = (plan.domain || config.domain).toLowerCase();
  const fqdn = (n: string) => (n === '@' ? domain : `${n.toLowerCase()}.${domain}`);
  const target = (t: string) => (t === 'vip' ? plan.vip : t);
  const addrs = (host: string) => Object.values(plan.hosts[host] ?? {}).filter((a): a is string => typeof a === 'string');
  const hostsAt = (ips: string[]) => Object.keys(plan.hosts).filter((h) => addrs(h).some((a) => ips.includes(a)));
  const byRole = (...roles: string[]) => config.hosts.filter((h) => roles.includes(h.role)).map((h) => h.name);
  const allHosts = config.hosts.map((h) => h.name);
  const records = (re: RegExp) => plan.dnsRecords.filter((r) => re.test(r.name));
  const dest = (hosts: string[], paths: string[]) => uniq(hosts).map((host) => ({ host, paths }));
  const make = (c: Omit<PlannedCertificate, 'dns' | 'ip' | 'commonName'> & { dns: string[]; ip: string[] }): PlannedCertificate => {
    // The first name given is the primary one (the CN); SANs are kept sorted so comparisons are stable.
    const dns = uniq(c.dns.map((d) => d.toLowerCase()));
    return { ...c, commonName: dns[0] ?? c.ip[0] ?? c.name, dns: [...dns].sort(), ip: uniq(c.ip).sort(ipSort) };
  };
  const out: PlannedCertificate[] = [];

  // web: nginx + HAProxy in front, on the VIP.
  const vipRecords = plan.dnsRecords.filter((r) => target(r.target) === plan.vip);
  const extra = uniq([...rememberedExtraNames(config), ...extraNames]);
  const webHosts = plan.loadBalancers?.hosts ?? (byRole('lb').length ? byRole('lb') : config.topology === 'single' ? allHosts : byRole('server', 'app'));
  const webDns = [domain, `api.${domain}`, ...vipRecords.map((r) => fqdn(r.name)), ...extra.filter((x) => parseIp(x) === null)];
  out.push(
    make({
      name: 'web',
      purpose: 'nginx and HAProxy (HTTPS on the VIP)',
      dns: webDns,
      ip: [plan.vip, ...extra.filter((x) => parseIp(x) !== null)],
      destinations: dest(webHosts, ['/etc/haproxy/certs/web.pem', '/etc/nginx/tls/web.crt', '/etc/nginx/tls/web.key']),
      haproxy: true,
    }),
  );

  // postgresql: primary and standby under one certificate, so a promoted standby keeps a valid one.
  const dbRecords = records(/^(db-|postgres)/);
  const dbIps = dbRecords.map((r) => target(r.target));
  const dbHosts = uniq([...hostsAt(dbIps), ...byRole('db')]);
  out.push(
    make({
      name: 'postgresql',
      purpose: 'PostgreSQL primary and standby',
      dns: dbRecords.length ? dbRecords.map((r) => fqdn(r.name)) : [fqdn('db-primary')],
      ip: [...dbIps, ...dbHosts.flatMap((h) => (plan.hosts[h]?.data ? [plan.hosts[h].data] : []))],
      destinations: dest(dbHosts.length ? dbHosts : allHosts, ['/etc/postgresql/tls/server.crt', '/etc/postgresql/tls/server.key', '/etc/postgresql/tls/ca.crt']),
      haproxy: false,
    }),
  );

  const redisRecords = records(/^redis/);
  const redisIps = redisRecords.map((r) => target(r.target));
  const redisHosts = hostsAt(redisIps);
  out.push(
    make({
      name: 'redis',
      purpose: 'Redis (TLS port)',
      dns: redisRecords.length ? redisRecords.map((r) => fqdn(r.name)) : [fqdn('redis')],
      ip: redisIps,
      destinations: dest(redisHosts.length ? redisHosts : allHosts, ['/etc/redis/tls/redis.crt', '/etc/redis/tls/redis.key', '/etc/redis/tls/ca.crt']),
      haproxy: false,
    }),
  );

  // grafana: on the management host when there is one, else on the application host(s).
  const grafanaRecords = records(/^(grafana|monitoring)/);
  const mgmtHosts = byRole('mgmt');
  const grafanaHosts = mgmtHosts.length ? mgmtHosts : config.topology === 'single' ? allHosts : byRole('server', 'app');
  const grafanaIps = grafanaRecords.length
    ? grafanaRecords.map((r) => target(r.target))
    : grafanaHosts.flatMap((h) => {
        const a = plan.hosts[h];
        const ip = a?.mgmt ?? a?.app;
        return ip ? [ip] : [];
      });
  out.push(
    make({
      name: 'grafana',
      purpose: 'Grafana (monitoring dashboards)',
      dns: grafanaRecords.length ? grafanaRecords.map((r) => fqdn(r.name)) : [fqdn('grafana')],
      ip: grafanaIps,
      destinations: dest(grafanaHosts, ['/etc/grafana/tls/grafana.crt', '/etc/grafana/tls/grafana.key']),
      haproxy: false,
    }),
  );

  if (config.topology === 'k3s-3') {
    const nodes = byRole('server', 'app');
    out.push(
      make({
        name: 'k3s-api',
        purpose: 'K3s API on the VIP (same names as tls-san)',
        dns: [fqdn('k3s'), `api.${domain}`, ...nodes.map((n) => fqdn(n))],
        ip: [plan.vip, ...nodes.flatMap((n) => (plan.hosts[n]?.app ? [plan.hosts[n].app] : []))],
        destinations: dest(nodes, ['/etc/rancher/k3s/site-tls/k3s-api.crt', '/etc/rancher/k3s/site-tls/k3s-api.key']),
        haproxy: false,
      }),
    );
  }
  return out;
}

/** The segment CIDRs and VIP the CA is limited to. */
export function constraintInputs(config: Pick<SiteConfig, 'network' | 'domain'>): { domain: string; cidrs: string[]; vip: string } {
  const plan = sitePlan(config);
  return { domain: (plan.domain || config.domain).toLowerCase(), cidrs: Object.values(plan.segments).map((s) => s.cidr), vip: plan.vip };
}
