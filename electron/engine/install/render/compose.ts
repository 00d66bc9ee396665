import { createHash } from 'node:crypto';
import { parseDocument } from 'yaml';
import { ApplianceError } from '../../errors.js';
import { STACK_VARIABLES, type StackDeclaration } from '../../bundle/stack.js';
import type { HostVars } from '../types.js';
import { readInstallerAsset } from './assets.js';
import { composeInterpolationSafe, toComposeValue } from './env-file.js';
import { plainPath, stackPaths } from './paths.js';

/** Compose service names by role (hooks run `docker compose run --rm <SERVICES.app>`). */
export const SERVICES = {
  proxy: 'proxy',
  app: 'app',
  database: 'database',
  cache: 'cache',
  monitoring: 'monitoring',
  node: 'node-exporter',
  postgres: 'postgres-exporter',
  redis: 'redis-exporter',
} as const;

/** Label whose value changes when a mounted config file changes, so `up -d` recreates the container (mounts are by inode). */
export const CONFIG_HASH_LABEL = 'com.airgap-appliance.config-sha256';

type Obj = Record<string, unknown>;
type Role = { image: string; env?: Record<string, string>; command?: string[] };
/** The proxy role, with the config mount this renderer proposes for the declaration (see nginx.ts). */
export type ProxyRoleWithConfig = StackDeclaration['roles']['proxy'] & { configPath?: string };

export interface ComposeExtras {
  /** The nginx config's content when the proxy mounts the installer's config (its hash becomes a label). */
  nginxConfig?: string;
  /** prometheus.yml + rules, hashed into the monitoring service's label. */
  monitoringConfig?: string;
}

/** node_exporter's default exclusions plus the files Docker bind-mounts into every container. */
const NODE_MOUNTS_EXCLUDE = '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+|etc/hostname|etc/hosts|etc/resolv\\.conf)($|/)';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const cv = (v: string) => toComposeValue(v, STACK_VARIABLES);
const healthy = { condition: 'service_healthy' };

const sortedEnv = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function environment(role: Role, added: Record<string, string> = {}): Obj | undefined {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...added, ...(role.env ?? {}) })) env[k] = cv(v);
  return Object.keys(env).length ? env : undefined;
}

/** The fields every role has: image, environment, command (declared command replaces the image's; else `fallback`). */
function base(role: Role, opts: { env?: Record<string, string>; command?: string[] } = {}): Obj {
  const s: Obj = { image: role.image };
  const env = environment(role, opts.env);
  if (env) s.environment = env;
  const command = role.command ?? opts.command;
  if (command) s.command = command.map(cv);
  return s;
}

const bind = (source: string, target: string, readOnly = true) => ({ type: 'bind', source, target, read_only: readOnly });
const named = (source: string, target: string) => ({ type: 'volume', source, target });
const dataVolume = (device: string) => ({ driver: 'local', driver_opts: { type: 'none', o: 'bind', device } });

/**
 * The services, networks and volumes of the stack as plain data, before the template's shared
 * defaults are merged in.
 */
function services(stack: StackDeclaration, vars: HostVars, extras: ComposeExtras): { services: Obj; volumes: Obj } {
  const r = stack.roles;
  const p = stackPaths(vars);
  const backend = { backend: {} };
  const out: Obj = {};
  const volumes: Obj = {};

  const proxy = r.proxy as ProxyRoleWithConfig;
  const proxyVolumes: Obj[] = [bind(p.tlsCert, plainPath(proxy.tlsCert, 'stack.roles.proxy.tlsCert')), bind(p.tlsKey, plainPath(proxy.tlsKey, 'stack.roles.proxy.tlsKey'))];
  if (proxy.configPath) {
    if (extras.nginxConfig === undefined) throw new ApplianceError('INTERNAL', 'The proxy mounts the installer nginx config, but none was rendered.');
    proxyVolumes.push(bind(p.nginxConfig, plainPath(proxy.configPath, 'stack.roles.proxy.configPath')));
  }
  out[SERVICES.proxy] = {
    ...base(proxy),
    ...(proxy.configPath ? { labels: { [CONFIG_HASH_LABEL]: sha256(extras.nginxConfig!) } } : {}),
    // Published on the host's own address only; the container listens on 80 and 443.
    ports: [
      { target: 80, published: String(proxy.httpPort), host_ip: vars.address, protocol: 'tcp', mode: 'host' },
      { target: 443, published: String(proxy.httpsPort), host_ip: vars.address, protocol: 'tcp', mode: 'host' },
    ],
    volumes: proxyVolumes,
    networks: { frontend: {}, backend: {} },
    depends_on: { [SERVICES.app]: healthy },
  };

  out[SERVICES.app] = {
    ...base(r.app),
    networks: backend,
    depends_on: { [SERVICES.database]: healthy, [SERVICES.cache]: healthy },
  };

  const db = r.database;
  volumes['database-data'] = dataVolume(p.data.database);
  out[SERVICES.database] = {
    // PGPASSWORD lets the healthcheck, the backup's pg_dump and the restore test authenticate
    // inside the container without a password on any command line.
    ...base(db, { env: { PGPASSWORD: '${DB_PASSWORD}' } }),
    volumes: [named('database-data', plainPath(db.dataPath, 'stack.roles.database.dataPath'))],
    networks: backend,
    // The installer knows the engine, so it probes it itself (pg_isready ships with every PostgreSQL image).
    healthcheck: { test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', String(db.port), '-U', db.user, '-d', db.database, '-q'], interval: '5s', timeout: '5s', retries: 6, start_period: '30s' },
    // SIGINT-style fast shutdown flushes data; give it time before SIGKILL.
    stop_grace_period: '60s',
  };

  const cache = r.cache;
  volumes['cache-data'] = dataVolume(p.data.cache);
  out[SERVICES.cache] = {
    // redis-cli reads REDISCLI_AUTH, so the healthcheck needs no password on argv.
    ...base(cache, { env: { REDISCLI_AUTH: '${REDIS_PASSWORD}' } }),
    volumes: [named('cache-data', plainPath(cache.dataPath, 'stack.roles.cache.dataPath'))],
    networks: backend,
    healthcheck: { test: ['CMD-SHELL', `redis-cli -h 127.0.0.1 -p ${cache.port} ping | grep -q PONG`], interval: '5s', timeout: '3s', retries: 5, start_period: '5s' },
    stop_grace_period: '30s',
  };

  const mon = r.monitoring;
  if (mon) {
    volumes['monitoring-data'] = dataVolume(p.data.monitoring);
    const configPath = plainPath(mon.configPath, 'stack.roles.monitoring.configPath');
    const dataPath = plainPath(mon.dataPath, 'stack.roles.monitoring.dataPath');
    out[SERVICES.monitoring] = {
      // Without a declared command: Prometheus flags for the paths mounted here, 30 days of data.
      ...base(mon, { command: [`--config.file=${configPath}`, `--storage.tsdb.path=${dataPath}`, `--storage.tsdb.retention.time=30d`, `--web.listen-address=:${mon.port}`] }),
      labels: { [CONFIG_HASH_LABEL]: sha256(extras.monitoringConfig ?? '') },
      volumes: [bind(p.prometheusConfig, configPath), bind(p.rulesDir, plainPath(mon.rulesDir, 'stack.roles.monitoring.rulesDir')), named('monitoring-data', dataPath)],
      networks: backend,
    };
  }

  const ex = r.exporters ?? {};
  if (ex.node) {
    out[SERVICES.node] = {
      // Host metrics: the host's / read-only at /host. CPU, memory and load come from the kernel
      // whatever the namespace; filesystems from /host. Not host networking: the exporter stays
      // on the internal network, unreachable from the hospital network (its network counters are
      // the container's).
      // The container's own mounts (/etc/hosts and friends) are no host filesystems; systemd's
      // collector needs the host's D-Bus socket, which stays outside.
      ...base(ex.node, { command: [`--web.listen-address=:${ex.node.port}`, '--path.rootfs=/host', '--no-collector.systemd', `--collector.filesystem.mount-points-exclude=${NODE_MOUNTS_EXCLUDE}`] }),
      volumes: [bind('/', '/host')],
      networks: backend,
    };
  }
  if (ex.postgres) out[SERVICES.postgres] = { ...base(ex.postgres), networks: backend, depends_on: { [SERVICES.database]: healthy } };
  if (ex.redis) out[SERVICES.redis] = { ...base(ex.redis), networks: backend, depends_on: { [SERVICES.cache]: healthy } };
  return { services: out, volumes };
}

/** Every string in a parsed compose document (for the interpolation check). */
function strings(v: unknown, at: string, out: [string, string][]): [string, string][] {
  if (typeof v === 'string') out.push([at, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, at ? `${at}.${k}` : k, out);
  return out;
}

/**
 * compose.yaml of the stack: the template (installer-assets/compose/compose.yaml) parsed, its
 * `x-airgap-service-defaults` merged into every service, and the services, networks and volumes
 * set by key. Values are data, never text: a site value cannot leave its field, and any `$` that
 * is not one of the stack's ${VARIABLES} is doubled so Compose keeps it literal. Deterministic.
 */
export function renderComposeYaml(stack: StackDeclaration, vars: HostVars, extras: ComposeExtras = {}): string {
  const doc = parseDocument(readInstallerAsset('compose/compose.yaml'));
  if (doc.errors.length) throw new ApplianceError('INTERNAL', `installer-assets/compose/compose.yaml does not parse: ${doc.errors[0]!.message}`);
  const defaults = (doc.get('x-airgap-service-defaults') as { toJSON(): Obj } | undefined)?.toJSON() ?? {};
  doc.delete('x-airgap-service-defaults');
  const { services: svc, volumes } = services(stack, vars, extras);
  const merged: Obj = {};
  const { environment: defaultEnv = {}, ...rest } = defaults as { environment?: Record<string, string> };
  for (const [name, s] of Object.entries(svc)) {
    const { image, environment: ownEnv, ...own } = s as Obj & { environment?: Record<string, string> };
    const env = sortedEnv({ ...defaultEnv, ...(ownEnv ?? {}) });
    merged[name] = { image, ...(Object.keys(env).length ? { environment: env } : {}), ...own, ...structuredClone(rest) };
  }
  doc.set('name', stack.name);
  // No anchors/aliases: each service reads on its own.
  doc.set('services', doc.createNode(merged, { aliasDuplicateObjects: false }));
  doc.set('volumes', doc.createNode(volumes, { aliasDuplicateObjects: false }));

  const text = doc.toString({ lineWidth: 0 });
  for (const [at, value] of strings(parseDocument(text).toJSON(), '', [])) {
    if (!composeInterpolationSafe(value, STACK_VARIABLES)) throw new ApplianceError('INTERNAL', `compose.yaml ${at} would let Compose interpolate something other than the stack's variables.`);
  }
  return text;
}
