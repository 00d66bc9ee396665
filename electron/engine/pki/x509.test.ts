import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { NAME_CONSTRAINTS_OID, nameConstraintsDer, permittedNamesFor } from './name-constraints.js';
import { authorityKeyIdentifierExt, type CertificateSpec, readExtensions, SIG_OID, signatureAlgorithmOid, signCertificate, subjectKeyIdentifierExt, subjectNameDer, tbsCertificateAsn1 } from './x509.js';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const permitted = permittedNamesFor('hospital-erp.local', ['192.168.1.0/24', '192.168.20.0/24']);
const caName = [{ name: 'commonName', value: 'Test Root CA' }];

function caSpec(pub: KeyObject): CertificateSpec {
  return {
    serialHex: '4a01',
    subject: caName,
    issuer: caName,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    subjectPublicKey: pub,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      subjectKeyIdentifierExt(pub),
      { id: NAME_CONSTRAINTS_OID, critical: true, value: nameConstraintsDer(permitted) },
    ],
  };
}

function leaf(ca: { pem: string; der: Buffer }, caKey: { publicKey: KeyObject; privateKey: KeyObject }, dns: string[], ip: string[] = []) {
  const k = caKey.publicKey.asymmetricKeyType === 'rsa' ? rsa() : ec();
  return signCertificate(
    {
      serialHex: '4b02',
      subject: [{ name: 'commonName', value: dns[0] ?? ip[0]! }],
      issuer: { der: subjectNameDer(ca.der) },
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 86400_000),
      subjectPublicKey: k.publicKey,
      extensions: [
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2, value })), ...ip.map((i) => ({ type: 7, ip: i }))] },
        authorityKeyIdentifierExt(caKey.publicKey),
      ],
    },
    caKey.privateKey,
  );
}

describe('certificates signed with native crypto', () => {
  it('builds a TBSCertificate byte-identical to node-forge\'s for RSA keys', () => {
    const k = rsa();
    const spec = caSpec(k.publicKey);
    const cert = forge.pki.createCertificate();
    cert.serialNumber = spec.serialHex;
    cert.validity.notBefore = spec.notBefore;
    cert.validity.notAfter = spec.notAfter;
    cert.setSubject(caName);
    cert.setIssuer(caName);
    cert.setExtensions(spec.extensions);
    cert.publicKey = forge.pki.publicKeyFromPem(k.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    (cert as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = SIG_OID.sha256WithRSAEncryption;
    const getTbs = (forge.pki as unknown as { getTBSCertificate: (c: forge.pki.Certificate) => forge.asn1.Asn1 }).getTBSCertificate;
    const forgeTbs = forge.asn1.toDer(getTbs(cert)).getBytes();
    const ours = forge.asn1.toDer(tbsCertificateAsn1(spec, k.privateKey)).getBytes();
    expect(Buffer.from(ours, 'binary').toString('hex')).toBe(Buffer.from(forgeTbs, 'binary').toString('hex'));
  });

  it('signs RSA with sha256WithRSAEncryption and ECDSA with ecdsa-with-SHA256, verifiable by Node/OpenSSL', () => {
    for (const k of [rsa(), ec()]) {
      const { der, pem } = signCertificate(caSpec(k.publicKey), k.privateKey);
      const x = new X509Certificate(pem);
      expect(x.verify(k.publicKey)).toBe(true);
      expect(x.ca).toBe(true);
      expect(signatureAlgorithmOid(der)).toBe(k.publicKey.asymmetricKeyType === 'rsa' ? SIG_OID.sha256WithRSAEncryption : SIG_OID.ecdsaWithSHA256);
      const nc = readExtensions(der).get(NAME_CONSTRAINTS_OID);
      expect(nc?.critical).toBe(true);
      expect(readExtensions(der).get('2.5.29.19')?.critical).toBe(true);
    }
  });

  it('chains leaves to the CA (issuer name and key identifiers match)', () => {
    const k = ec();
    const ca = signCertificate(caSpec(k.publicKey), k.privateKey);
    const l = leaf(ca, k, ['api.hospital-erp.local'], ['192.168.1.10']);
    const x = new X509Certificate(l.pem);
    const caX = new X509Certificate(ca.pem);
    expect(x.checkIssued(caX)).toBe(true);
    expect(x.verify(caX.publicKey)).toBe(true);
    expect(x.checkHost('api.hospital-erp.local')).toBe('api.hospital-erp.local');
    expect(x.checkIP('192.168.1.10')).toBe('192.168.1.10');
  });

  it('node-forge, an independent verifier, reads our name constraints and rejects a leaf outside them', () => {
    const k = rsa();
    const ca = signCertificate(caSpec(k.publicKey), k.privateKey);
    const store = forge.pki.createCaStore([ca.pem]);
    const good = forge.pki.certificateFromPem(leaf(ca, k, ['api.hospital-erp.local'], ['192.168.20.10']).pem);
    expect(forge.pki.verifyCertificateChain(store, [good])).toBe(true);
    // Signed directly with the CA key, skipping the engine's refusal: what a thief of the key could do.
    const rogue = forge.pki.certificateFromPem(leaf(ca, k, ['www.google.com']).pem);
    expect(() => forge.pki.verifyCertificateChain(store, [rogue])).toThrow(expect.objectContaining({ message: expect.stringMatching(/not permitted by a name constraint/) }));
    const rogueIp = forge.pki.certificateFromPem(leaf(ca, k, ['api.hospital-erp.local'], ['10.0.0.1']).pem);
    expect(() => forge.pki.verifyCertificateChain(store, [rogueIp])).toThrow(expect.objectContaining({ message: expect.stringMatching(/not permitted by a name constraint/) }));
  });

  it('uses GeneralizedTime for dates from 2050 (RFC 5280)', () => {
    const k = ec();
    const spec = { ...caSpec(k.publicKey), notAfter: new Date('2051-06-01T00:00:00Z') };
    const x = new X509Certificate(signCertificate(spec, k.privateKey).pem);
    expect(new Date(x.validTo).toISOString()).toBe('2051-06-01T00:00:00.000Z');
  });
});
