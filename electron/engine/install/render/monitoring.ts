import { parseDocument } from 'yaml';
import { ApplianceError } from '../../errors.js';
import type { StackDeclaration } from '../../bundle/stack.js';
import { readInstallerAsset } from './assets.js';
import { SERVICES } from './compose.js';
import { plainPath } from './paths.js';

/** Scrape job names: fixed, because the alert rules (installer-assets/monitoring/alerts.rules.yml) use them. */
export const SCRAPE_JOBS = { prometheus: 'prometheus', node: 'node', postgres: 'postgres', redis: 'redis', app: 'app' } as const;

/** The rules file's name inside the monitoring role's rulesDir. */
export const ALERT_RULES_FILE = 'alerts.rules.yml';

/**
 * prometheus.yml for the stack (from installer-assets/monitoring/prometheus.yml, filled by key):
 * Prometheus itself, every exporter the declaration has, and the app when it declares a
 * metricsPath; rules from the monitoring role's rulesDir. Targets are Compose service names on
 * the internal network.
 */
export function renderPrometheusConfig(stack: StackDeclaration): string {
  const mon = stack.roles.monitoring;
  if (!mon) throw new ApplianceError('INTERNAL', 'renderPrometheusConfig: the stack has no monitoring role.');
  const doc = parseDocument(readInstallerAsset('monitoring/prometheus.yml'));
  if (doc.errors.length) throw new ApplianceError('INTERNAL', `installer-assets/monitoring/prometheus.yml does not parse: ${doc.errors[0]!.message}`);
  const job = (name: string, target: string, extra: Record<string, unknown> = {}) => ({ job_name: name, ...extra, static_configs: [{ targets: [target] }] });
  const jobs = [job(SCRAPE_JOBS.prometheus, `localhost:${mon.port}`)];
  const ex = stack.roles.exporters ?? {};
  if (ex.node) jobs.push(job(SCRAPE_JOBS.node, `${SERVICES.node}:${ex.node.port}`));
  if (ex.postgres) jobs.push(job(SCRAPE_JOBS.postgres, `${SERVICES.postgres}:${ex.postgres.port}`));
  if (ex.redis) jobs.push(job(SCRAPE_JOBS.redis, `${SERVICES.redis}:${ex.redis.port}`));
  const app = stack.roles.app;
  if (app.metricsPath) jobs.push(job(SCRAPE_JOBS.app, `${SERVICES.app}:${app.port}`, { metrics_path: app.metricsPath }));
  doc.setIn(['global', 'external_labels', 'stack'], stack.name);
  doc.set('rule_files', doc.createNode([`${plainPath(mon.rulesDir, 'stack.roles.monitoring.rulesDir')}/*.yml`]));
  doc.set('scrape_configs', doc.createNode(jobs, { aliasDuplicateObjects: false }));
  return doc.toString({ lineWidth: 0 });
}

/** The alert rules of the on-premise guide (static: they use the fixed job names). */
export function renderAlertRules(): string {
  return readInstallerAsset(`monitoring/${ALERT_RULES_FILE}`);
}
