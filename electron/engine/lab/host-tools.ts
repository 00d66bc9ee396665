import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { ApplianceError } from '../errors.js';
import { HOST_ENV } from './run.js';

/** Host binaries the lab calls, and the Debian package that provides each. */
export const HOST_TOOLS = {
  ip: 'iproute2',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  mount: 'mount',
  umount: 'mount',
  pivot_root: 'util-linux',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  iptables: 'iptables',
  'mkfs.ext4': 'e2fsprogs',
  losetup: 'mount',
} as const;
/** Only needed when the base root filesystem is not cached yet. */
export const BUILD_TOOLS = { debootstrap: 'debootstrap', chroot: 'coreutils' } as const;

export const PERMISSION_MESSAGE = 'The practice lab needs root (network namespaces, mounts). Run as root or with sudo.';

export function assertRoot(): void {
  if (process.platform !== 'linux') {
    throw new ApplianceError('UNSUPPORTED', 'The practice lab runs on Linux only (network namespaces, overlayfs).');
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new ApplianceError('PERMISSION', PERMISSION_MESSAGE);
  }
}

/** Absolute path of an executable on PATH (plus the sbin directories), or null. */
export function which(bin: string): string | null {
  for (const dir of HOST_ENV.PATH.split(':')) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Throws UNSUPPORTED naming every missing tool and the apt packages that provide them. */
export function assertTools(tools: Record<string, string>): void {
  const missing = Object.entries(tools).filter(([bin]) => !which(bin));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  throw new ApplianceError(
    'UNSUPPORTED',
    `The practice lab needs ${missing.map(([b]) => `\`${b}\``).join(', ')} on this machine. Install with: apt-get install ${pkgs.join(' ')}`,
    { missing: missing.map(([bin, pkg]) => ({ bin, pkg })) },
  );
}
