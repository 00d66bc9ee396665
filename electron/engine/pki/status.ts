import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { loadCa } from './ca.js';
import { daysLeft, isoDate, serialOf, subjectAltNames, subjectLine } from './cert-info.js';
import { readInventory } from './inventory.js';
import { describeKey } from './keys.js';
import { issuedPaths, pkiPaths } from './paths.js';
import type { CaStatus, CertificateListing } from './schema.js';
import { checkServerKey } from './server-keys.js';
import { signatureAlgorithmOid, SIG_OID } from './x509.js';

const SIG_NAMES: Record<string, string> = { [SIG_OID.sha256WithRSAEncryption]: 'sha256WithRSAEncryption', [SIG_OID.ecdsaWithSHA256]: 'ecdsa-with-SHA256' };

/** The CA's state for status screens: present or not, algorithm, validity, constraints. Needs no passphrase. */
export async function caStatus(pkiDir: string, now = new Date()): Promise<CaStatus> {
  try {
    await readFile(pkiPaths(pkiDir).caCert);
  } catch {
    return { present: false, pkiDir };
  }
  const ca = await loadCa(pkiDir);
  const sigOid = signatureAlgorithmOid(ca.cert.raw);
  return {
    present: true,
    pkiDir,
    algorithm: ca.meta.algorithm,
    key: describeKey(ca.cert.publicKey),
    subject: subjectLine(ca.cert),
    serial: serialOf(ca.cert),
    fingerprintSha256: ca.cert.fingerprint256,
    signatureAlgorithm: SIG_NAMES[sigOid] ?? sigOid,
    notBefore: isoDate(ca.cert.validFrom),
    notAfter: isoDate(ca.cert.validTo),
    daysLeft: daysLeft(ca.cert, now),
    permitted: ca.permitted,
    kdfIterations: ca.meta.kdf.iterations,
  };
}

/**
 * Every issued certificate, read from its file (the truth for names and dates) and joined with
 * inventory.json for purpose and install destinations. Sorted by days left, soonest first.
 */
export async function listCertificates(pkiDir: string, now = new Date()): Promise<CertificateListing[]> {
  const ca = await loadCa(pkiDir);
  const inventory = await readInventory(pkiDir);
  let names: string[];
  try {
    names = (await readdir(pkiPaths(pkiDir).issuedDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch {
    names = [];
  }
  const out: CertificateListing[] = [];
  for (const name of names) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(await readFile(issuedPaths(pkiDir, name).cert));
    } catch {
      continue; // a folder without a readable cert.pem is not a certificate (issue rewrites it)
    }
    const entry = inventory?.certificates.find((e) => e.name === name);
    const key = await checkServerKey(issuedPaths(pkiDir, name), cert);
    const san = subjectAltNames(cert);
    out.push({
      name,
      purpose: entry?.purpose ?? '',
      subject: subjectLine(cert),
      dns: san.dns,
      ip: san.ip,
      serial: serialOf(cert),
      fingerprintSha256: cert.fingerprint256,
      notBefore: isoDate(cert.validFrom),
      notAfter: isoDate(cert.validTo),
      daysLeft: daysLeft(cert, now),
      currentCa: cert.checkIssued(ca.cert) && cert.verify(ca.cert.publicKey),
      keyAtRest: key.state === 'bad' ? 'damaged' : key.state,
      destinations: entry?.destinations ?? [],
    });
  }
  return out.sort((a, b) => a.daysLeft - b.daysLeft || a.name.localeCompare(b.name));
}
