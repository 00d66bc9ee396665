import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCa } from './ca.js';
import { isoDate, subjectLine } from './cert-info.js';

export interface ExportCaResult {
  outDir: string;
  files: { pem: string; crt: string; der: string; readme: string };
  fingerprintSha256: string;
}

/** File-name stem from the site name: "St. Example Hospital" -> "st-example-hospital-root-ca". */
export function caFileStem(siteName: string): string {
  const slug = siteName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${slug || 'site'}-root-ca`;
}

/**
 * Writes the root certificate for hospital IT to distribute: PEM (.pem, and .crt because
 * Debian's update-ca-certificates only picks up *.crt), DER (.cer, what Windows opens with a
 * double click) and README.txt with per-platform steps and the fingerprint to check. Public
 * material only: the CA key never leaves pki/.
 */
export async function exportCa(pkiDir: string, outDir: string, siteName: string): Promise<ExportCaResult> {
  const ca = await loadCa(pkiDir);
  const stem = caFileStem(siteName);
  await mkdir(outDir, { recursive: true });
  const files = { pem: join(outDir, `${stem}.pem`), crt: join(outDir, `${stem}.crt`), der: join(outDir, `${stem}.cer`), readme: join(outDir, 'README.txt') };
  await writeFile(files.pem, ca.pem);
  await writeFile(files.crt, ca.pem);
  await writeFile(files.der, ca.cert.raw);
  await writeFile(files.readme, readme(stem, ca.cert.fingerprint256, subjectLine(ca.cert), isoDate(ca.cert.validTo), ca.permitted.dns.filter((d) => !d.startsWith('.'))));
  return { outDir, files, fingerprintSha256: ca.cert.fingerprint256 };
}

function readme(stem: string, fingerprint: string, subject: string, notAfter: string, domains: string[]): string {
  return `Site root certificate
=====================

Subject:     ${subject}
Valid until: ${notAfter}
SHA-256 fingerprint (compare before trusting):
  ${fingerprint}

This CA can only vouch for ${domains.join(', ')} and the site's own network segments
(X.509 name constraints): trusting it does not let it impersonate any other host.

Files
  ${stem}.pem  PEM (macOS, Firefox, most tools)
  ${stem}.crt  the same PEM, named for Debian/Ubuntu
  ${stem}.cer  DER (Windows)

Windows (as Administrator)
  certutil -addstore -f Root ${stem}.cer
  or: mmc > File > Add/Remove Snap-in > Certificates (Computer account) >
      Trusted Root Certification Authorities > Certificates > All Tasks > Import
  Group Policy for many machines: Computer Configuration > Policies > Windows Settings >
      Security Settings > Public Key Policies > Trusted Root Certification Authorities > Import

macOS
  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${stem}.pem
  or: Keychain Access > System > File > Import Items, then set "When using this certificate" to Always Trust

Debian / Ubuntu
  sudo cp ${stem}.crt /usr/local/share/ca-certificates/
  sudo update-ca-certificates

RHEL / Rocky / Alma / Fedora
  sudo cp ${stem}.pem /etc/pki/ca-trust/source/anchors/
  sudo update-ca-trust

Firefox (keeps its own store)
  Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import,
  select ${stem}.pem, tick "Trust this CA to identify websites".
  For many machines: policies.json "Certificates": { "ImportEnterpriseRoots": true } makes
  Firefox use the Windows/macOS store.

Check a server afterwards
  openssl s_client -connect <host>:443 -servername <name> -CAfile ${stem}.pem -verify_return_error
`;
}
