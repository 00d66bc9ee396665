import { posix } from 'node:path';
import { ApplianceError } from '../../errors.js';
import type { HostVars } from '../types.js';

/** A host path the renderer may write into YAML, unit files or scripts: absolute, plain characters. */
const PLAIN_PATH = /^\/[A-Za-z0-9._@/-]*$/;

/** Refuses a path with characters that would need quoting anywhere it goes (systemd, YAML, shell). */
export function plainPath(path: string, what: string): string {
  if (!PLAIN_PATH.test(path) || path.length > 255 || path.split('/').includes('..')) {
    throw new ApplianceError('VALIDATION', `${what} must be an absolute path of letters, digits and ._@-/ (got ${JSON.stringify(path)}).`);
  }
  return posix.normalize(path).replace(/\/$/, '') || '/';
}

/**
 * Where every file of a single-server stack lives on its host. The lead's steps write these;
 * the renderer names them in RenderedStackFile.path and in the files that refer to each other.
 */
export interface StackPaths {
  stackDir: string;
  /** /opt/<stack>/compose.yaml */
  compose: string;
  /** /opt/<stack>/.env: secrets and site values, 0600 root. */
  env: string;
  /** The site certificate (chain) and key the proxy mounts (written by the TLS step). */
  tlsDir: string;
  tlsCert: string;
  tlsKey: string;
  /** The installer's nginx config, when the declaration asks for it. */
  nginxConfig: string;
  monitoringDir: string;
  prometheusConfig: string;
  rulesDir: string;
  alertRules: string;
  backupDirOfScripts: string;
  backupScript: string;
  restoreTestScript: string;
  /** Settings both backup scripts source. */
  backupConfig: string;
  /** systemd units (and their names). */
  backupService: string;
  backupTimer: string;
  backupServiceName: string;
  backupTimerName: string;
  /** Where dumps go (HostVars.backupDir). */
  backupDir: string;
  /** Data of the stateful roles, on the data filesystem: <dataDir>/<stack>/<role>. */
  data: { database: string; cache: string; monitoring: string };
}

/** Every host path of the stack for these HostVars (validated: plain absolute paths). */
export function stackPaths(vars: HostVars): StackPaths {
  const stackDir = plainPath(vars.stackDir, 'HostVars.stackDir');
  const dataDir = plainPath(vars.dataDir, 'HostVars.dataDir');
  const backupDir = plainPath(vars.backupDir, 'HostVars.backupDir');
  const j = posix.join;
  const unit = `${vars.stack}-backup`;
  const dataRoot = j(dataDir, vars.stack);
  return {
    stackDir,
    compose: j(stackDir, 'compose.yaml'),
    env: j(stackDir, '.env'),
    tlsDir: j(stackDir, 'tls'),
    tlsCert: j(stackDir, 'tls', 'tls.crt'),
    tlsKey: j(stackDir, 'tls', 'tls.key'),
    nginxConfig: j(stackDir, 'nginx', 'default.conf'),
    monitoringDir: j(stackDir, 'monitoring'),
    prometheusConfig: j(stackDir, 'monitoring', 'prometheus.yml'),
    rulesDir: j(stackDir, 'monitoring', 'rules'),
    alertRules: j(stackDir, 'monitoring', 'rules', 'alerts.rules.yml'),
    backupDirOfScripts: j(stackDir, 'backup'),
    backupScript: j(stackDir, 'backup', 'backup.sh'),
    restoreTestScript: j(stackDir, 'backup', 'restore-test.sh'),
    backupConfig: j(stackDir, 'backup', 'backup.conf'),
    backupService: `/etc/systemd/system/${unit}.service`,
    backupTimer: `/etc/systemd/system/${unit}.timer`,
    backupServiceName: `${unit}.service`,
    backupTimerName: `${unit}.timer`,
    backupDir,
    data: { database: j(dataRoot, 'database'), cache: j(dataRoot, 'cache'), monitoring: j(dataRoot, 'monitoring') },
  };
}
