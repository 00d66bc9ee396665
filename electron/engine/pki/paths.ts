import { join } from 'node:path';

/**
 * Layout of a site's pki/ folder. Everything the CA owns sits here so the site folder stays
 * the one thing an engineer copies:
 *   ca.pem          the root certificate (public)
 *   ca.key          the root key, encrypted PKCS#8 (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC)
 *   ca.json         metadata: algorithm, fingerprints, key-file digest (tells damage from a wrong passphrase)
 *   inventory.json  issued certificates and where each one is (to be) installed
 *   issued/<name>/  cert.pem, key.pem (encrypted PKCS#8 under the site passphrase, like ca.key),
 *                   key.json (digests that tie key.pem to cert.pem without the passphrase),
 *                   chain.pem, fullchain.pem. Clear keys (and HAProxy's cert + key file) exist
 *                   only in memory while deploying, or where an explicit export-key writes them.
 *   retired/<time>/ a previous CA, kept when the CA is re-created with --force
 */
export interface PkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
  caMeta: string;
  inventory: string;
  issuedDir: string;
  retiredDir: string;
}

export function pkiPaths(pkiDir: string): PkiPaths {
  return {
    dir: pkiDir,
    caCert: join(pkiDir, 'ca.pem'),
    caKey: join(pkiDir, 'ca.key'),
    caMeta: join(pkiDir, 'ca.json'),
    inventory: join(pkiDir, 'inventory.json'),
    issuedDir: join(pkiDir, 'issued'),
    retiredDir: join(pkiDir, 'retired'),
  };
}

/** Files of one issued certificate. */
export interface IssuedPaths {
  dir: string;
  cert: string;
  key: string;
  /** Digests of key.pem and of its public key (see server-keys.ts). */
  keyMeta: string;
  chain: string;
  fullchain: string;
  /** Where older versions wrote cert + chain + key in clear for HAProxy; removed by the key migration. */
  legacyHaproxy: string;
}

export function issuedPaths(pkiDir: string, name: string): IssuedPaths {
  const dir = join(pkiPaths(pkiDir).issuedDir, name);
  return {
    dir,
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    keyMeta: join(dir, 'key.json'),
    chain: join(dir, 'chain.pem'),
    fullchain: join(dir, 'fullchain.pem'),
    legacyHaproxy: join(dir, 'haproxy.pem'),
  };
}
