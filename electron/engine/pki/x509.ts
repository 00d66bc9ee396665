import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';
import { ApplianceError } from '../errors.js';

const { asn1, pki } = forge;
const UNI = asn1.Class.UNIVERSAL;
const T = asn1.Type;

// @types/node-forge lags the library: fromDer takes an options object, and
// certificateExtensionsToAsn1 is public but untyped.
const fromDer = asn1.fromDer as unknown as (bytes: string, opts?: { decodeBitStrings?: boolean }) => forge.asn1.Asn1;
const extensionsToAsn1 = (pki as unknown as { certificateExtensionsToAsn1: (exts: unknown[]) => forge.asn1.Asn1 }).certificateExtensionsToAsn1;

/** Signature algorithms this CA writes. SHA-256 always: node-forge's default is SHA-1, never used here. */
export const SIG_OID = {
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
} as const;

/** A certificate extension in node-forge's form (named, e.g. {name: 'keyUsage', ...}) or raw ({id, critical, value: DER bytes}). */
export type Extension = Record<string, unknown> & ({ name: string } | { id: string; value: string });

export interface CertificateSpec {
  /** Positive serial as hex. */
  serialHex: string;
  /** Attributes in node-forge's form, e.g. [{ name: 'commonName', value: 'x' }]. */
  subject: forge.pki.CertificateField[];
  /** Issuer attributes, or the issuer's subject Name as DER (byte-identical to the CA's, see subjectNameDer). */
  issuer: forge.pki.CertificateField[] | { der: string };
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: KeyObject;
  extensions: Extension[];
}

/** 128 random bits, top bit clear (positive) and second bit set (so the DER INTEGER is minimal and always 16 bytes). */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b.toString('hex');
}

/** SubjectPublicKeyInfo as forge ASN.1, without decoding the key BIT STRING (re-encodes byte-identically). */
function spkiAsn1(key: KeyObject): forge.asn1.Asn1 {
  const der = key.export({ type: 'spki', format: 'der' });
  return fromDer(der.toString('binary'), { decodeBitStrings: false });
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (without the unused-bits octet). */
export function keyIdentifier(key: KeyObject): string {
  const bits = (spkiAsn1(key).value as forge.asn1.Asn1[])[1]!.value as string;
  return createHash('sha1').update(Buffer.from(bits.slice(1), 'binary')).digest('binary');
}

/** subjectKeyIdentifier as a raw extension (forge only computes it for RSA keys). */
export function subjectKeyIdentifierExt(key: KeyObject): Extension {
  return { id: '2.5.29.14', value: asn1.toDer(asn1.create(UNI, T.OCTETSTRING, false, keyIdentifier(key))).getBytes() };
}

/** authorityKeyIdentifier { keyIdentifier [0] } as a raw extension. */
export function authorityKeyIdentifierExt(issuerKey: KeyObject): Extension {
  const value = asn1.create(UNI, T.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, keyIdentifier(issuerKey))]);
  return { id: '2.5.29.35', value: asn1.toDer(value).getBytes() };
}

function signatureAlgorithm(signer: KeyObject): forge.asn1.Asn1 {
  const oid = (o: string) => asn1.create(UNI, T.OID, false, asn1.oidToDer(o).getBytes());
  if (signer.asymmetricKeyType === 'rsa') return asn1.create(UNI, T.SEQUENCE, true, [oid(SIG_OID.sha256WithRSAEncryption), asn1.create(UNI, T.NULL, false, '')]);
  if (signer.asymmetricKeyType === 'ec') return asn1.create(UNI, T.SEQUENCE, true, [oid(SIG_OID.ecdsaWithSHA256)]); // RFC 5758: parameters absent
  throw new ApplianceError('UNSUPPORTED', `Cannot sign with a ${signer.asymmetricKeyType} key.`);
}

/** RFC 5280 4.1.2.5: UTCTime up to 2049, GeneralizedTime from 2050. */
function timeAsn1(d: Date): forge.asn1.Asn1 {
  const s = new Date(Math.floor(d.getTime() / 1000) * 1000);
  return s.getUTCFullYear() < 2050
    ? asn1.create(UNI, T.UTCTIME, false, asn1.dateToUtcTime(s))
    : asn1.create(UNI, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(s));
}

/**
 * The TBSCertificate. node-forge fills the distinguished names and named extensions
 * (setSubject/setExtensions), but its getTBSCertificate only encodes RSA public keys, so the
 * structure is assembled here with the key's SPKI from Node; for RSA it is byte-identical to
 * forge's (unit-tested).
 */
export function tbsCertificateAsn1(spec: CertificateSpec, signer: KeyObject): forge.asn1.Asn1 {
  const cert = pki.createCertificate();
  cert.setSubject(spec.subject);
  if (Array.isArray(spec.issuer)) cert.setIssuer(spec.issuer);
  cert.setExtensions(spec.extensions);
  const fields: forge.asn1.Asn1[] = [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(UNI, T.INTEGER, false, asn1.integerToDer(2).getBytes())]),
    asn1.create(UNI, T.INTEGER, false, forge.util.hexToBytes(spec.serialHex)),
    signatureAlgorithm(signer),
    Array.isArray(spec.issuer) ? pki.distinguishedNameToAsn1(cert.issuer) : asn1.fromDer(spec.issuer.der),
    asn1.create(UNI, T.SEQUENCE, true, [timeAsn1(spec.notBefore), timeAsn1(spec.notAfter)]),
    pki.distinguishedNameToAsn1(cert.subject),
    spkiAsn1(spec.subjectPublicKey),
  ];
  if (cert.extensions.length) fields.push(extensionsToAsn1(cert.extensions));
  return asn1.create(UNI, T.SEQUENCE, true, fields);
}

/**
 * Builds and signs a certificate with Node's native crypto: SHA-256 with PKCS#1 v1.5 for RSA
 * keys, ECDSA-Sig-Value (DER) for P-256. Native signing is ~50x faster than node-forge's
 * JavaScript RSA (340 ms vs 6 ms per RSA-4096 signature measured here) and handles ECDSA,
 * which forge cannot.
 */
export function signCertificate(spec: CertificateSpec, signer: KeyObject): { der: Buffer; pem: string } {
  const tbs = tbsCertificateAsn1(spec, signer);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, signer);
  const certificate = asn1.create(UNI, T.SEQUENCE, true, [tbs, signatureAlgorithm(signer), asn1.create(UNI, T.BITSTRING, false, '\u0000' + signature.toString('binary'))]);
  const der = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
  return { der, pem: derToPem(der) };
}

export function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** Raw extensions of a certificate (DER), by OID: {critical, value DER bytes}. Works for RSA and EC certificates. */
export function readExtensions(der: Buffer): Map<string, { critical: boolean; value: string }> {
  const out = new Map<string, { critical: boolean; value: string }>();
  const root = fromDer(der.toString('binary'), { decodeBitStrings: false });
  const tbs = (root.value as forge.asn1.Asn1[])[0]!;
  const exts = (tbs.value as forge.asn1.Asn1[]).find((x) => x.tagClass === asn1.Class.CONTEXT_SPECIFIC && x.type === 3);
  if (!exts) return out;
  for (const ext of ((exts.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[])) {
    const parts = ext.value as forge.asn1.Asn1[];
    const id = asn1.derToOid(parts[0]!.value as string);
    const critical = parts.length === 3 && (parts[1]!.value as string) !== '\u0000';
    out.set(id, { critical, value: parts[parts.length - 1]!.value as string });
  }
  return out;
}

/** Reads the signature algorithm OID of a certificate. */
export function signatureAlgorithmOid(der: Buffer): string {
  const root = fromDer(der.toString('binary'), { decodeBitStrings: false });
  const alg = (root.value as forge.asn1.Asn1[])[1]!;
  return asn1.derToOid((alg.value as forge.asn1.Asn1[])[0]!.value as string);
}

/** The subject Name of a certificate as DER, to use verbatim as the issuer of what it signs. */
export function subjectNameDer(certDer: Buffer): string {
  const root = fromDer(certDer.toString('binary'), { decodeBitStrings: false });
  const tbs = (root.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  // version [0] is present in v3 certificates: serial, signature, issuer, validity, subject.
  const offset = tbs[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  return asn1.toDer(tbs[offset + 4]!).getBytes();
}
