import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ApplianceError } from '../../errors.js';
import { STACK_VARIABLES } from '../../bundle/stack.js';
import { DEMO_STACK, demoInput } from './demo-stack.fixture.js';
import { composeInterpolationSafe, renderComposeProject, stackDirectories, stackPaths, type RenderedStackFile } from './index.js';

const SECRETS = {
  DB_PASSWORD: 'Db-secret-7f3a9c',
  REDIS_PASSWORD: 'Redis-secret-0b1e2d',
  JWT_SECRET: 'Jwt-secret-55aa66bb',
  ADMIN_PASSWORD: 'Admin-secret-c0ffee',
};

type Compose = {
  name: string;
  services: Record<string, { image: string; environment?: Record<string, string>; networks: Record<string, unknown>; ports?: { host_ip: string; published: string; target: number }[]; depends_on?: Record<string, { condition: string }>; init: boolean; restart: string; logging: { driver: string; options: Record<string, string> }; volumes?: { type: string; source: string; target: string; read_only?: boolean }[]; healthcheck?: { test: string[] }; command?: string[]; labels?: Record<string, string> }>;
  networks: Record<string, { internal?: boolean }>;
  volumes: Record<string, { driver_opts: { device: string } }>;
};

const file = (files: RenderedStackFile[], path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in ${files.map((x) => x.path).join(', ')}`);
  return f;
};
const compose = (files: RenderedStackFile[]) => parseYaml(file(files, '/opt/demo/compose.yaml').content) as Compose;

describe('renderComposeProject: the demo stack', () => {
  const files = renderComposeProject(demoInput(SECRETS));
  const c = compose(files);

  it('renders every file of the project at its host path, with modes, root-owned, sorted', () => {
    expect(files.map((f) => [f.path, f.mode, f.secret])).toEqual([
      ['/etc/systemd/system/demo-backup.service', '0644', false],
      ['/etc/systemd/system/demo-backup.timer', '0644', false],
      ['/opt/demo/.env', '0600', true],
      ['/opt/demo/backup/backup.conf', '0644', false],
      ['/opt/demo/backup/backup.sh', '0755', false],
      ['/opt/demo/backup/restore-test.sh', '0755', false],
      ['/opt/demo/compose.yaml', '0644', false],
      ['/opt/demo/monitoring/prometheus.yml', '0644', false],
      ['/opt/demo/monitoring/rules/alerts.rules.yml', '0644', false],
    ]);
    expect(new Set(files.map((f) => f.owner))).toEqual(new Set(['root:root']));
  });

  it('is the project named after the stack with every declared role as a service', () => {
    expect(c.name).toBe('demo');
    expect(Object.keys(c.services)).toEqual(['proxy', 'app', 'database', 'cache', 'monitoring', 'node-exporter', 'postgres-exporter', 'redis-exporter']);
    expect(c.services.app!.image).toBe('airgap-demo/demo-app:0.1.0');
  });

  it('puts the proxy on frontend and backend, everything else on the internal backend only', () => {
    expect(c.networks.backend).toMatchObject({ internal: true });
    expect(c.networks.frontend!.internal).toBeUndefined();
    for (const [name, s] of Object.entries(c.services)) expect(Object.keys(s.networks).sort(), name).toEqual(name === 'proxy' ? ['backend', 'frontend'] : ['backend']);
  });

  it('publishes only the proxy, on the host address, 80 and 443', () => {
    for (const [name, s] of Object.entries(c.services)) if (name !== 'proxy') expect(s.ports, name).toBeUndefined();
    expect(c.services.proxy!.ports!.map((p) => [p.host_ip, p.published, p.target])).toEqual([
      ['10.99.0.11', '80', 80],
      ['10.99.0.11', '443', 443],
    ]);
  });

  it('starts in order of health: proxy after a healthy app, app after a healthy database and cache', () => {
    expect(c.services.proxy!.depends_on).toEqual({ app: { condition: 'service_healthy' } });
    expect(c.services.app!.depends_on).toEqual({ database: { condition: 'service_healthy' }, cache: { condition: 'service_healthy' } });
    expect(c.services['postgres-exporter']!.depends_on).toEqual({ database: { condition: 'service_healthy' } });
    expect(c.services['redis-exporter']!.depends_on).toEqual({ cache: { condition: 'service_healthy' } });
    // Every service_healthy target has a healthcheck of its own here or in its image (demo images all have one).
    expect(c.services.database!.healthcheck!.test).toEqual(['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', 'hospital', '-d', 'hospital', '-q']);
    expect(c.services.cache!.healthcheck!.test[0]).toBe('CMD-SHELL');
  });

  it('gives every service init, a restart policy and rotated json-file logs', () => {
    for (const s of Object.values(c.services)) {
      expect(s.init).toBe(true);
      expect(s.restart).toBe('unless-stopped');
      expect(s.logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } });
    }
    expect(parseYaml(file(files, '/opt/demo/compose.yaml').content)).not.toHaveProperty('x-airgap-service-defaults');
  });

  it('keeps the data on the data filesystem: named volumes bound under <dataDir>/<stack>', () => {
    expect(Object.fromEntries(Object.entries(c.volumes).map(([k, v]) => [k, v.driver_opts.device]))).toEqual({
      'database-data': '/data/demo/database',
      'cache-data': '/data/demo/cache',
      'monitoring-data': '/data/demo/monitoring',
    });
    expect(c.services.database!.volumes).toEqual([{ type: 'volume', source: 'database-data', target: '/var/lib/postgresql/data' }]);
    const dirs = stackDirectories(demoInput(SECRETS)).map((d) => d.path);
    for (const v of Object.values(c.volumes)) expect(dirs).toContain(v.driver_opts.device);
  });

  it('mounts the site certificate and key read-only where the declaration says', () => {
    expect(c.services.proxy!.volumes).toEqual([
      { type: 'bind', source: '/opt/demo/tls/tls.crt', target: '/etc/nginx/tls/tls.crt', read_only: true },
      { type: 'bind', source: '/opt/demo/tls/tls.key', target: '/etc/nginx/tls/tls.key', read_only: true },
    ]);
  });

  it('keeps secrets out of compose.yaml: ${VAR} there, values only in .env (0600, secret)', () => {
    const yamlText = file(files, '/opt/demo/compose.yaml').content;
    for (const v of Object.values(SECRETS)) {
      for (const f of files) if (f.path !== '/opt/demo/.env') expect(f.content, f.path).not.toContain(v);
    }
    expect(c.services.database!.environment).toMatchObject({ POSTGRES_PASSWORD: '${DB_PASSWORD}', PGPASSWORD: '${DB_PASSWORD}' });
    expect(c.services.app!.environment).toMatchObject({ PGPASSWORD: '${DB_PASSWORD}', REDIS_PASSWORD: '${REDIS_PASSWORD}' });
    expect(yamlText).toContain('${REDIS_PASSWORD}');
    const env = file(files, '/opt/demo/.env');
    expect(env.secret).toBe(true);
    expect(env.mode).toBe('0600');
    for (const [k, v] of Object.entries(SECRETS)) expect(env.content).toContain(`${k}='${v}'\n`);
    expect(env.content).toContain("APP_FQDN='demo.hospital.local'\n");
    expect(env.content).toContain("STACK='demo'\n");
  });

  it('lets Compose interpolate nothing but the stack variables anywhere in compose.yaml', () => {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(c);
    expect(strings.length).toBeGreaterThan(50);
    for (const s of strings) expect(composeInterpolationSafe(s, STACK_VARIABLES), s).toBe(true);
  });

  it('scrapes prometheus, every exporter and the app metrics path; loads the rules folder', () => {
    const prom = parseYaml(file(files, '/opt/demo/monitoring/prometheus.yml').content) as { rule_files: string[]; scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[]; global: { external_labels: Record<string, string> } };
    expect(prom.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(prom.global.external_labels).toEqual({ stack: 'demo' });
    expect(prom.scrape_configs.map((j) => [j.job_name, j.static_configs[0]!.targets[0], j.metrics_path])).toEqual([
      ['prometheus', 'localhost:9090', undefined],
      ['node', 'node-exporter:9100', undefined],
      ['postgres', 'postgres-exporter:9187', undefined],
      ['redis', 'redis-exporter:9121', undefined],
      ['app', 'app:8080', '/metrics'],
    ]);
    expect(c.services.monitoring!.volumes!.map((v) => [v.source, v.target, v.read_only ?? false])).toEqual([
      ['/opt/demo/monitoring/prometheus.yml', '/etc/prometheus/prometheus.yml', true],
      ['/opt/demo/monitoring/rules', '/etc/prometheus/rules', true],
      ['monitoring-data', '/prometheus', false],
    ]);
    const rules = file(files, '/opt/demo/monitoring/rules/alerts.rules.yml').content;
    for (const a of ['InstanceDown', 'HighCPUUsage', 'HighMemoryUsage', 'DiskSpaceLow', 'PostgreSQLDown', 'PostgreSQLReplicationLag', 'RedisDown', 'HighHTTPErrorRate']) expect(rules).toContain(`alert: ${a}`);
    expect('demo_http_requests_total').toMatch(/^(.+_)?http_requests_total$/);
  });

  it('runs the node exporter on the internal network with the host root read-only', () => {
    const n = c.services['node-exporter']!;
    expect(n.volumes).toEqual([{ type: 'bind', source: '/', target: '/host', read_only: true }]);
    expect(n.command).toContain('--path.rootfs=/host');
    expect(n).not.toHaveProperty('network_mode');
    expect(n).not.toHaveProperty('pid');
  });

  it('writes the backup settings and a daily persistent timer for the backup service', () => {
    expect(file(files, '/opt/demo/backup/backup.conf').content).toContain("BACKUP_DIR='/data/backups/demo'\n");
    expect(file(files, '/opt/demo/backup/backup.conf').content).toContain("KEEP_DAYS='30'\n");
    expect(file(files, '/etc/systemd/system/demo-backup.service').content).toContain('ExecStart=/opt/demo/backup/backup.sh /opt/demo/backup/backup.conf\n');
    const timer = file(files, '/etc/systemd/system/demo-backup.timer').content;
    expect(timer).toContain('Persistent=true\n');
    expect(timer).toContain('Unit=demo-backup.service\n');
    expect(timer).toMatch(/OnCalendar=\*-\*-\* \d\d:\d\d:00\n/);
  });

  it('renders no nginx config for a proxy image that makes its own (no configPath)', () => {
    expect(files.some((f) => f.path.includes('nginx'))).toBe(false);
  });
});

describe('renderComposeProject: determinism and variants', () => {
  it('gives the same bytes for the same input, and different .env bytes for other secrets', () => {
    const a = renderComposeProject(demoInput(SECRETS));
    const b = renderComposeProject(demoInput({ ...SECRETS }));
    expect(b).toEqual(a);
    const other = renderComposeProject(demoInput({ ...SECRETS, JWT_SECRET: 'another-one' }));
    expect(other.filter((f, i) => f.content !== a[i]!.content).map((f) => f.path)).toEqual(['/opt/demo/.env']);
  });

  it('mounts the installer nginx config (TLS 1.2+) with a content hash label when the proxy declares configPath', () => {
    const stack = structuredClone(DEMO_STACK);
    (stack.roles.proxy as { configPath?: string }).configPath = '/etc/nginx/conf.d/default.conf';
    const input = demoInput(SECRETS);
    (input.stack.roles.proxy as { configPath?: string }).configPath = '/etc/nginx/conf.d/default.conf';
    const files = renderComposeProject(input);
    const conf = file(files, '/opt/demo/nginx/default.conf');
    expect(conf.content).toContain('server_name demo.hospital.local api.demo.hospital.local;');
    expect(conf.content).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    expect(conf.content).toContain('set $app_upstream http://app:8080;');
    expect(conf.content).toContain('ssl_certificate     /etc/nginx/tls/tls.crt;');
    expect(conf.content).not.toMatch(/\{\{/);
    const proxy = compose(files).services.proxy!;
    expect(proxy.volumes).toContainEqual({ type: 'bind', source: '/opt/demo/nginx/default.conf', target: '/etc/nginx/conf.d/default.conf', read_only: true });
    expect(proxy.labels!['com.airgap-appliance.config-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(stackDirectories(input).map((d) => d.path)).toContain('/opt/demo/nginx');
  });

  it('drops monitoring files and services the declaration does not have', () => {
    const stack = structuredClone(DEMO_STACK);
    delete stack.roles.monitoring;
    delete stack.roles.exporters;
    const files = renderComposeProject(demoInput(SECRETS, { stack }));
    expect(files.some((f) => f.path.includes('/monitoring/'))).toBe(false);
    const c = compose(files);
    expect(Object.keys(c.services)).toEqual(['proxy', 'app', 'database', 'cache']);
    expect(Object.keys(c.volumes)).toEqual(['database-data', 'cache-data']);
  });

  it('doubles a literal $ of a declared value so Compose keeps it, and keeps known ${VARS}', () => {
    const stack = structuredClone(DEMO_STACK);
    stack.roles.app.env = { ...stack.roles.app.env, PRICE: 'costs $5 or $$6', MIXED: '$HOME-${DOMAIN}' };
    const c = compose(renderComposeProject(demoInput(SECRETS, { stack })));
    expect(c.services.app!.environment).toMatchObject({ PRICE: 'costs $$5 or $$$$6', MIXED: '$$HOME-${DOMAIN}' });
  });
});

describe('renderComposeProject: hostile site values', () => {
  const hostile = `x"\n  evil: true\n'#\${DB_PASSWORD}`;

  it('refuses an app name or domain that is not a DNS name, naming the field', () => {
    for (const [over, field] of [
      [{ vars: { appFqdn: hostile } }, 'HostVars.appFqdn'],
      [{ vars: { appNames: ['ok.local', 'a b.local'] } }, 'HostVars.appNames[1]'],
      [{ site: { domain: 'x"y' } }, 'site domain'],
      [{ vars: { address: '10.0.0.1\n  x: y' } }, 'HostVars.address'],
      [{ vars: { dataDir: '/data"; rm -rf /' } }, 'HostVars.dataDir'],
    ] as const) {
      let err: unknown;
      try {
        renderComposeProject(demoInput(SECRETS, over as Parameters<typeof demoInput>[1]));
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(ApplianceError);
      expect((err as ApplianceError).code).toBe('VALIDATION');
      expect((err as ApplianceError).message).toContain(field);
    }
  });

  it('carries an admin e-mail with quotes, #, $ and YAML syntax in .env only; compose.yaml keeps ${ADMIN_EMAIL}', () => {
    const email = `a'b"c#d $e{f}: [g]@x.local`;
    const stack = structuredClone(DEMO_STACK);
    stack.roles.app.env = { ...stack.roles.app.env, ADMIN: '${ADMIN_EMAIL}' };
    const files = renderComposeProject(demoInput(SECRETS, { stack, site: { adminEmail: email } }));
    const yamlText = file(files, '/opt/demo/compose.yaml').content;
    expect(yamlText).not.toContain('a\'b"c');
    expect(compose(files).services.app!.environment!.ADMIN).toBe('${ADMIN_EMAIL}');
    expect(file(files, '/opt/demo/.env').content).toContain(`ADMIN_EMAIL="a'b\\"c#d $$e{f}: [g]@x.local"\n`);
  });

  it('refuses a multi-line admin e-mail and a stack name Compose cannot use', () => {
    expect(() => renderComposeProject(demoInput(SECRETS, { site: { adminEmail: 'a@b\nX=1' } }))).toThrow(/one line/);
    const stack = { ...structuredClone(DEMO_STACK), name: 'demo.v2' };
    expect(() => renderComposeProject(demoInput(SECRETS, { stack, vars: { stack: 'demo.v2', stackDir: '/opt/demo.v2' } }))).toThrow(/Compose project name/);
  });

  it('refuses a site without a generated secret', () => {
    expect(() => renderComposeProject(demoInput({ ...SECRETS, JWT_SECRET: '' }))).toThrow(/JWT_SECRET/);
  });

  it('names every path of the stack from HostVars', () => {
    const p = stackPaths(demoInput(SECRETS).vars);
    expect(p.env).toBe('/opt/demo/.env');
    expect(p.backupTimerName).toBe('demo-backup.timer');
    expect(p.data.database).toBe('/data/demo/database');
  });
});
