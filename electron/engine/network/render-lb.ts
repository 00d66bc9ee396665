import { ApplianceError } from '../errors.js';
import { fillTemplate, readNetworkAsset } from './assets.js';
import { parseCidr } from './ipv4.js';
import { hostLegs } from './matrix.js';
import { type InterfaceOf, defaultInterfaceOf } from './render-host-config.js';
import type { NetworkPlan } from './schema.js';

/** App-segment addresses of every host with an App leg (the backends), in plan order. */
function appBackends(plan: NetworkPlan): [string, string][] {
  return Object.keys(plan.hosts)
    .map((h) => [h, plan.hosts[h]?.app] as const)
    .filter((x): x is readonly [string, string] => !!x[1])
    .map(([h, a]) => [h, a]);
}

/** haproxy.cfg for a load-balancer host: frontends 80 and 443 passed through (TCP) to the app nodes. */
export function renderHaproxy(plan: NetworkPlan, host: string): string {
  const backends = appBackends(plan);
  const servers = (port: number) =>
    backends.length > 0 ? backends.map(([name, addr]) => `    server ${name} ${addr}:${port} check`).join('\n') : '    # no app hosts in the plan yet';
  return fillTemplate(readNetworkAsset('haproxy.cfg'), { host, vip: plan.vip, httpServers: servers(80), httpsServers: servers(443) }, 'haproxy.cfg');
}

/**
 * keepalived.conf for a load-balancer host: VRRP over unicast between the load balancers;
 * the first one in `loadBalancers.hosts` starts as MASTER with the highest priority; losing
 * haproxy lowers the priority so the VIP moves.
 */
export function renderKeepalived(plan: NetworkPlan, host: string, interfaceOf: InterfaceOf = defaultInterfaceOf): string {
  const lbs = plan.loadBalancers?.hosts ?? [];
  const rank = lbs.indexOf(host);
  const self = plan.hosts[host]?.dmz;
  if (rank < 0 || !self) throw new ApplianceError('VALIDATION', `Host ${host} is not a load balancer with a DMZ address in the network plan.`);
  const legIndex = hostLegs(plan, host).findIndex(([s]) => s === 'dmz');
  const iface = interfaceOf(host, 'dmz', legIndex);
  const peers = lbs.filter((h) => h !== host).map((h) => plan.hosts[h]?.dmz).filter((a): a is string => !!a);
  return fillTemplate(
    readNetworkAsset('keepalived.conf'),
    {
      host,
      vip: plan.vip,
      prefix: parseCidr(plan.segments.dmz.cidr)?.prefix ?? 24,
      state: rank === 0 ? 'MASTER' : 'BACKUP',
      priority: 150 - rank * 10,
      routerId: plan.loadBalancers?.routerId ?? 51,
      interface: iface,
      self,
      peers: peers.map((p) => `        ${p}`).join('\n') || '        # no peer',
    },
    'keepalived.conf',
  );
}
