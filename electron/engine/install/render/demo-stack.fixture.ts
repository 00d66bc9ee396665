import { StackDeclaration, type StackDeclarationInput } from '../../bundle/stack.js';
import type { HostVars } from '../types.js';
import type { ComposeRenderInput } from './values.js';

/**
 * The demo bundle's stack as the renderer's tests use it (and as proposed for
 * bundles/demo.bundle.yaml `stack:`): the demo images of bundles/demo/images, wired by role name.
 */
export const DEMO_STACK: StackDeclarationInput = {
  name: 'demo',
  roles: {
    proxy: {
      image: 'airgap-demo/nginx:1.22',
      // The demo image renders its own TLS 1.2+ config from these (bundles/demo/images/nginx/entrypoint.sh).
      env: { NGINX_UPSTREAM: 'http://app:8080', NGINX_SERVER_NAME: '${APP_FQDN} ${API_FQDN}' },
      tlsCert: '/etc/nginx/tls/tls.crt',
      tlsKey: '/etc/nginx/tls/tls.key',
      health: { port: 80, path: '/healthz' },
    },
    app: {
      image: 'airgap-demo/demo-app:0.1.0',
      env: { PGHOST: 'database', PGDATABASE: 'hospital', PGUSER: 'hospital', PGPASSWORD: '${DB_PASSWORD}', REDIS_HOST: 'cache', REDIS_PASSWORD: '${REDIS_PASSWORD}' },
      port: 8080,
      health: { port: 8080, path: '/health' },
      ready: { port: 8080, path: '/health/ready' },
      metricsPath: '/metrics',
    },
    database: {
      image: 'airgap-demo/postgres:15',
      env: { POSTGRES_USER: 'hospital', POSTGRES_DB: 'hospital', POSTGRES_PASSWORD: '${DB_PASSWORD}' },
      engine: 'postgres',
      database: 'hospital',
      user: 'hospital',
      dataPath: '/var/lib/postgresql/data',
    },
    cache: { image: 'airgap-demo/redis:7', env: { REDIS_PASSWORD: '${REDIS_PASSWORD}' }, engine: 'redis', dataPath: '/data' },
    monitoring: { image: 'airgap-demo/prometheus:2.42', configPath: '/etc/prometheus/prometheus.yml', rulesDir: '/etc/prometheus/rules', dataPath: '/prometheus' },
    exporters: {
      node: { image: 'airgap-demo/node-exporter:1.5', port: 9100 },
      postgres: { image: 'airgap-demo/postgres-exporter:0.11', env: { DATA_SOURCE_URI: 'database:5432/hospital?sslmode=disable', DATA_SOURCE_USER: 'hospital', DATA_SOURCE_PASS: '${DB_PASSWORD}' }, port: 9187 },
      redis: { image: 'airgap-demo/redis-exporter:1.45', env: { REDIS_ADDR: 'redis://cache:6379', REDIS_PASSWORD: '${REDIS_PASSWORD}' }, port: 9121 },
    },
  },
  hooks: [
    { name: 'migrate', role: 'app', argv: ['migrate'], when: 'before-app' },
    { name: 'create-admin', role: 'app', argv: ['create-admin', '--email', '${ADMIN_EMAIL}'], secretFile: { secret: 'ADMIN_PASSWORD', path: '/run/secrets/admin-password' }, when: 'after-start' },
  ],
  docker: { minVersion: '20.10', packages: [{ os: 'debian-12', install: ['docker.io', 'docker-compose'], debs: ['docker-debs.tar'] }] },
};

/** HostVars of a demo host (paths as the plan builder computes them). */
export function demoVars(over: Partial<HostVars> = {}): HostVars {
  return {
    stack: 'demo',
    stackDir: '/opt/demo',
    dataDir: '/data',
    stagingDir: '/data/airgap-appliance/staging',
    dockerDataRoot: '/data/docker',
    backupDir: '/data/backups/demo',
    appFqdn: 'demo.hospital.local',
    appNames: ['demo.hospital.local', 'api.demo.hospital.local'],
    address: '10.99.0.11',
    ...over,
  };
}

/** A full renderer input for the demo stack with the given secrets. */
export function demoInput(secrets: Record<string, string>, over: { stack?: StackDeclarationInput; vars?: Partial<HostVars>; site?: Partial<ComposeRenderInput['site']> } = {}): ComposeRenderInput {
  return {
    stack: StackDeclaration.parse(over.stack ?? DEMO_STACK),
    vars: demoVars(over.vars),
    secrets: { get: (name: string) => secrets[name] ?? '' },
    site: { domain: 'hospital.local', apiFqdn: 'api.demo.hospital.local', adminEmail: 'admin@hospital.local', ...over.site },
  };
}
