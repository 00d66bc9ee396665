import { fillTemplate } from '../../network/assets.js';
import type { StackDeclaration } from '../../bundle/stack.js';
import type { HostVars } from '../types.js';
import { readInstallerAsset } from './assets.js';
import { SERVICES } from './compose.js';
import { stackPaths } from './paths.js';

/** Days a dump is kept (the newest is kept whatever its age). */
export const BACKUP_KEEP_DAYS = 30;

const shQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/**
 * backup.conf: the settings backup.sh and restore-test.sh source (shell assignments, each value
 * single-quoted; the values are already plain names and paths). No secret: pg_dump
 * authenticates with the database container's own PGPASSWORD.
 */
export function renderBackupConfig(stack: StackDeclaration, vars: HostVars): string {
  const p = stackPaths(vars);
  const db = stack.roles.database;
  const values: [string, string][] = [
    ['STACK_DIR', p.stackDir],
    ['PROJECT', stack.name],
    ['SERVICE', SERVICES.database],
    ['DB_NAME', db.database],
    ['DB_USER', db.user],
    ['DB_PORT', String(db.port)],
    ['BACKUP_DIR', p.backupDir],
    ['KEEP_DAYS', String(BACKUP_KEEP_DAYS)],
  ];
  return ['# Settings of the backup and restore-test scripts (rendered by the Airgap Appliance installer).', ...values.map(([k, v]) => `${k}=${shQuote(v)}`)].join('\n') + '\n';
}

/** The systemd service and timer (daily, Persistent=true) that run backup.sh. */
export function renderBackupUnits(stack: StackDeclaration, vars: HostVars): { service: string; timer: string } {
  const p = stackPaths(vars);
  return {
    service: fillTemplate(readInstallerAsset('backup/backup.service'), { stack: stack.name, script: p.backupScript, config: p.backupConfig }, 'backup.service'),
    timer: fillTemplate(readInstallerAsset('backup/backup.timer'), { stack: stack.name, unit: p.backupServiceName }, 'backup.timer'),
  };
}

/** The scripts, as shipped (they read everything from backup.conf). */
export function backupScripts(): { backup: string; restoreTest: string } {
  return { backup: readInstallerAsset('backup/backup.sh'), restoreTest: readInstallerAsset('backup/restore-test.sh') };
}
