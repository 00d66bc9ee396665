/**
 * The single-server Compose project as data: the installer's templates (installer-assets/compose,
 * nginx, backup, monitoring) filled from the bundle's signed stack declaration, the host's
 * HostVars, the site's values and its generated secrets. Pure: no SSH, no clock, no randomness;
 * the same input gives the same bytes, so the install step's probe can compare hashes. The
 * lead's steps write each file with ctx.writeFile(path, content, {mode, owner, secret}).
 */
import { ApplianceError } from '../../errors.js';
import { backupScripts, renderBackupConfig, renderBackupUnits } from './backup.js';
import { renderComposeYaml } from './compose.js';
import { envFileContent } from './env-file.js';
import { renderAlertRules, renderPrometheusConfig } from './monitoring.js';
import { renderNginxConfig, usesInstallerNginxConfig } from './nginx.js';
import { stackPaths } from './paths.js';
import { checkInput, stackVariableValues, type ComposeRenderInput } from './values.js';

export type { ComposeRenderInput } from './values.js';
export { stackPaths, type StackPaths } from './paths.js';
export { SERVICES, CONFIG_HASH_LABEL, renderComposeYaml } from './compose.js';
export { envFileContent, envFileValue, composeInterpolationSafe, toComposeValue } from './env-file.js';
export { SCRAPE_JOBS, ALERT_RULES_FILE } from './monitoring.js';
export { BACKUP_KEEP_DAYS } from './backup.js';
export { usesInstallerNginxConfig } from './nginx.js';

/** One file of the stack on its host. */
export interface RenderedStackFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  /** Octal mode as ctx.writeFile takes it ("0644"). */
  mode: string;
  owner?: string;
  /** Holds generated secrets: write it with {secret: true}, never log or journal its content. */
  secret: boolean;
}

/** Folders the files above need, with their modes (create them with install -d before writing; parents first). */
export interface StackDirectory {
  path: string;
  mode: string;
  owner?: string;
}

const ROOT = 'root:root';

/**
 * Every file of the single-server stack: compose.yaml, .env (0600, secret), prometheus.yml and
 * the alert rules (when the stack has monitoring), the backup and restore-test scripts with their
 * settings, the backup service and daily timer, and the nginx config when the declaration mounts
 * the installer's. Sorted by path. Throws VALIDATION naming the field for input it cannot carry.
 */
export function renderComposeProject(input: ComposeRenderInput): RenderedStackFile[] {
  checkInput(input);
  const { stack, vars } = input;
  const p = stackPaths(vars);
  const files: RenderedStackFile[] = [];
  const add = (path: string, content: string, mode: string, secret = false) => files.push({ path, content, mode, owner: ROOT, secret });

  const nginx = usesInstallerNginxConfig(stack) ? renderNginxConfig(stack, vars) : undefined;
  const prometheus = stack.roles.monitoring ? renderPrometheusConfig(stack) : undefined;
  const rules = stack.roles.monitoring ? renderAlertRules() : undefined;

  add(p.compose, renderComposeYaml(stack, vars, { nginxConfig: nginx, monitoringConfig: prometheus === undefined ? undefined : prometheus + rules }), '0644');
  add(p.env, envFileContent(stackVariableValues(input), [`Secrets and site values of the ${stack.name} stack (Airgap Appliance). Root only.`, 'compose.yaml reads them as ${NAME}; the installer rewrites this file.']), '0600', true);
  if (nginx !== undefined) add(p.nginxConfig, nginx, '0644');
  if (prometheus !== undefined) {
    add(p.prometheusConfig, prometheus, '0644');
    add(p.alertRules, rules!, '0644');
  }
  const scripts = backupScripts();
  add(p.backupScript, scripts.backup, '0755');
  add(p.restoreTestScript, scripts.restoreTest, '0755');
  add(p.backupConfig, renderBackupConfig(stack, vars), '0644');
  const units = renderBackupUnits(stack, vars);
  add(p.backupService, units.service, '0644');
  add(p.backupTimer, units.timer, '0644');

  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new ApplianceError('INTERNAL', `Two stack files at ${f.path}.`);
    seen.add(f.path);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * The folders the stack needs on its host, parents first: /opt/<stack> and its subfolders (0755
 * root: the containers' users read the mounted configs), tls/ (0700), the backup folder (0700) and
 * one data folder per stateful role on the data filesystem (the named volumes bind them; they
 * must exist and be empty on first start so Docker copies the image's ownership in).
 */
export function stackDirectories(input: ComposeRenderInput): StackDirectory[] {
  checkInput(input);
  const p = stackPaths(input.vars);
  const dirs: StackDirectory[] = [
    { path: p.stackDir, mode: '0755', owner: ROOT },
    { path: p.tlsDir, mode: '0700', owner: ROOT },
    { path: p.backupDirOfScripts, mode: '0755', owner: ROOT },
    { path: p.backupDir, mode: '0700', owner: ROOT },
  ];
  if (usesInstallerNginxConfig(input.stack)) dirs.push({ path: p.nginxConfig.replace(/\/[^/]+$/, ''), mode: '0755', owner: ROOT });
  dirs.push({ path: p.data.database.replace(/\/[^/]+$/, ''), mode: '0755', owner: ROOT }, { path: p.data.database, mode: '0700' }, { path: p.data.cache, mode: '0700' });
  if (input.stack.roles.monitoring) dirs.push({ path: p.monitoringDir, mode: '0755', owner: ROOT }, { path: p.rulesDir, mode: '0755', owner: ROOT }, { path: p.data.monitoring, mode: '0700' });
  return dirs;
}
