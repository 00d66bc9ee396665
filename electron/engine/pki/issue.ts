import { type KeyObject, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { throwIfAborted } from '../errors.js';
import type { OnEvent } from '../events/index.js';
import { writeFileAtomic } from '../site/atomic-write.js';
import { type LoadedCa, loadCa, type UnlockedCa, unlockCa } from './ca.js';
import { findClearKeys, encryptClearKeys } from './clear-keys.js';
import { daysLeft, isoDate, serialOf, subjectAltNames } from './cert-info.js';
import { readInventory, writeInventory } from './inventory.js';
import { generateKey, serverKeyAlgorithm } from './keys.js';
import { assertNamesPermitted } from './name-constraints.js';
import { issuedPaths, pkiPaths } from './paths.js';
import { type DerivedKey, derivedKeyOf, PassphraseKeys } from './pkcs8.js';
import type { PlannedCertificate } from './plan.js';
import { checkServerKey, sealServerKey } from './server-keys.js';
import type { Destination, InventoryEntry, IssueResult } from './schema.js';
import { authorityKeyIdentifierExt, randomSerialHex, signCertificate, subjectKeyIdentifierExt, subjectNameDer } from './x509.js';

/** 397 days: the longest lifetime browsers accept for server certificates. */
export const SERVER_VALIDITY_DAYS = 397;
/** Certificates with fewer days left than this are renewed by `issue`. */
export const DEFAULT_RENEW_WITHIN_DAYS = 30;

export type PassphraseSource = string | (() => Promise<string>);

export interface IssueOptions {
  pkiDir: string;
  planned: PlannedCertificate[];
  /** Asked for only when something must be signed, so an up-to-date site needs no unlock. */
  passphrase: PassphraseSource;
  /** Renew what expires within this many days (default 30). */
  renewWithinDays?: number;
  now?: Date;
  task?: string;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

type Decision = { action: 'unchanged'; reason: string; cert: X509Certificate } | { action: 'issued' | 'reissued'; reason: string };

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/** Decides whether an existing certificate can stay: same CA, same names, key matches, enough days left. */
async function decide(pkiDir: string, ca: LoadedCa, want: PlannedCertificate, renewWithinDays: number, now: Date): Promise<Decision> {
  const p = issuedPaths(pkiDir, want.name);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await readFile(p.cert));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { action: 'issued', reason: 'new' } : { action: 'reissued', reason: 'certificate file unreadable' };
  }
  // Checked without the passphrase (key.json's digests), so an up-to-date site needs no unlock.
  const key = await checkServerKey(p, cert);
  if (key.state === 'bad' && key.reason !== 'key does not match certificate') return { action: 'reissued', reason: key.reason };
  if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey)) return { action: 'reissued', reason: 'signed by another CA' };
  if (key.state === 'bad') return { action: 'reissued', reason: key.reason };
  const have = subjectAltNames(cert);
  if (!sameSet(have.dns, want.dns) || !sameSet(have.ip, want.ip)) return { action: 'reissued', reason: 'names changed' };
  const left = daysLeft(cert, now);
  if (left <= renewWithinDays) return { action: 'reissued', reason: `expires in ${left} days` };
  // A key an older version left in clear stays, and is encrypted in place (encryptClearKeys).
  if (key.state === 'clear') return { action: 'unchanged', reason: `valid for ${left} more days; key now encrypted at rest`, cert };
  return { action: 'unchanged', reason: `valid for ${left} more days`, cert };
}

interface Signed {
  certPem: string;
  key: KeyObject;
  cert: X509Certificate;
}

/** Signs one server certificate for `want` with a fresh key (nothing written). */
async function sign(ca: UnlockedCa, want: PlannedCertificate, now: Date): Promise<Signed> {
  const key = await generateKey(serverKeyAlgorithm(ca.meta.algorithm));
  const notAfter = new Date(now.getTime() + SERVER_VALIDITY_DAYS * 86_400_000);
  const org = /^O=(.*)$/m.exec(ca.cert.subject)?.[1];
  const { pem } = signCertificate(
    {
      serialHex: randomSerialHex(),
      subject: [{ name: 'commonName', value: want.commonName }, ...(org ? [{ name: 'organizationName', value: org }] : [])],
      issuer: { der: subjectNameDer(ca.cert.raw) },
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter,
      subjectPublicKey: key.publicKey,
      extensions: [
        { name: 'basicConstraints', cA: false },
        // keyEncipherment only means something for RSA key transport; ECDSA keys only sign.
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: key.publicKey.asymmetricKeyType === 'rsa', critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [...want.dns.map((value) => ({ type: 2, value })), ...want.ip.map((ip) => ({ type: 7, ip }))] },
        subjectKeyIdentifierExt(key.publicKey),
        authorityKeyIdentifierExt(ca.cert.publicKey),
      ],
    },
    ca.privateKey,
  );
  return { certPem: pem, key: key.privateKey, cert: new X509Certificate(pem) };
}

/**
 * Writes one certificate's files into a fresh folder and swaps it in with renames, so a crash
 * never leaves a certificate beside a key that does not match it.
 */
async function writeIssued(pkiDir: string, want: PlannedCertificate, caPem: string, signed: Signed, derived: DerivedKey): Promise<void> {
  const { certPem } = signed;
  const { keyPem, metaJson } = sealServerKey(signed.key, derived);
  const final = issuedPaths(pkiDir, want.name);
  const tmpDir = join(dirname(final.dir), `.${want.name}.new-${process.pid}`);
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  // The same file names as the final folder, inside the temporary one.
  const at = (p: string) => join(tmpDir, relative(final.dir, p));
  await writeFileAtomic(at(final.cert), certPem, 0o644);
  // Encrypted like ca.key: site folders travel on laptops and USB sticks. Services get the clear
  // key only when deployed (readServerKey decrypts it in memory).
  await writeFileAtomic(at(final.key), keyPem, 0o600);
  await writeFileAtomic(at(final.keyMeta), metaJson, 0o644);
  await writeFileAtomic(at(final.chain), caPem, 0o644);
  await writeFileAtomic(at(final.fullchain), certPem + caPem, 0o644);
  const old = join(dirname(final.dir), `.${want.name}.old-${process.pid}`);
  await rm(old, { recursive: true, force: true });
  await rename(final.dir, old).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await rename(tmpDir, final.dir);
  await rm(old, { recursive: true, force: true });
}

function inventoryEntry(pkiDir: string, want: PlannedCertificate, cert: X509Certificate, previous: InventoryEntry | undefined): InventoryEntry {
  const p = issuedPaths(pkiDir, want.name);
  const rel = (f: string) => relative(pkiDir, f);
  const prevDest = new Map<string, Destination>((previous?.destinations ?? []).map((d) => [d.host, d]));
  return {
    name: want.name,
    purpose: want.purpose,
    serial: serialOf(cert),
    fingerprintSha256: cert.fingerprint256,
    notBefore: isoDate(cert.validFrom),
    notAfter: isoDate(cert.validTo),
    dns: want.dns,
    ip: want.ip,
    files: { cert: rel(p.cert), key: rel(p.key), keyMeta: rel(p.keyMeta), chain: rel(p.chain), fullchain: rel(p.fullchain) },
    // Keep what the install engine recorded for hosts that are still destinations.
    destinations: want.destinations.map((d) => ({
      host: d.host,
      paths: d.paths,
      installedSerial: prevDest.get(d.host)?.installedSerial ?? null,
      installedAt: prevDest.get(d.host)?.installedAt ?? null,
    })),
  };
}

/**
 * Issues the planned server certificates. Idempotent: a certificate signed by the current CA
 * with the same names and more than `renewWithinDays` left is left byte-identical. Every name
 * is checked against the CA's name constraints before anything is signed (VALIDATION). The CA
 * key is decrypted only when something must be signed; a wrong passphrase is PERMISSION and
 * writes nothing. New keys are written encrypted under the site passphrase (sealed under the CA
 * unlock's derivation: no PBKDF2 of their own); keys an older version left in clear anywhere under pki/ are encrypted
 * in place too, which is the one case where an otherwise up-to-date site asks for the passphrase.
 */
export async function issueCertificates(opts: IssueOptions): Promise<IssueResult[]> {
  const now = opts.now ?? new Date();
  const task = opts.task ?? 'pki.issue';
  const emit = opts.onEvent ?? (() => {});
  const ca = await loadCa(opts.pkiDir);
  for (const want of opts.planned) assertNamesPermitted(want.name, want, ca.permitted);
  const [decisions, clearFiles] = await Promise.all([
    Promise.all(opts.planned.map((w) => decide(opts.pkiDir, ca, w, opts.renewWithinDays ?? DEFAULT_RENEW_WITHIN_DAYS, now))),
    findClearKeys(opts.pkiDir),
  ]);
  const toSign = opts.planned.filter((_, i) => decisions[i]!.action !== 'unchanged');
  let signed = new Map<string, Signed>();
  if (toSign.length || clearFiles.length) {
    const passphrase = typeof opts.passphrase === 'function' ? await opts.passphrase() : opts.passphrase;
    // Server keys are sealed under the derivation the CA unlock has just run (its salt and count,
    // each key with its own IV): one PBKDF2 for the whole operation, and only after it proved the passphrase.
    const keys = new PassphraseKeys(passphrase);
    const unlocked = await unlockCa(opts.pkiDir, keys);
    const derived = await derivedKeyOf(unlocked.keyFilePem, keys, pkiPaths(opts.pkiDir).caKey);
    throwIfAborted(opts.signal);
    let done = 0;
    if (toSign.length) emit({ type: 'progress', task, label: 'signing certificates', done, total: toSign.length, unit: 'items' });
    // Key generation runs on the libuv pool, so the certificates are made in parallel.
    const results = await Promise.all(
      toSign.map(async (want) => {
        emit({ type: 'step', task, step: want.name, title: `Issue ${want.name}`, state: 'running' });
        const r = await sign(unlocked, want, now);
        emit({ type: 'progress', task, label: 'signing certificates', done: ++done, total: toSign.length, unit: 'items' });
        return [want.name, r] as const;
      }),
    );
    signed = new Map(results);
    throwIfAborted(opts.signal);
    for (const want of toSign) {
      await writeIssued(opts.pkiDir, want, ca.pem, signed.get(want.name)!, derived);
      emit({ type: 'step', task, step: want.name, title: `Issue ${want.name}`, state: 'done' });
    }
    if (clearFiles.length) {
      emit({ type: 'step', task, step: 'keys-at-rest', title: 'Encrypt keys an older version left in clear', state: 'running' });
      await encryptClearKeys(opts.pkiDir, derived);
      emit({ type: 'step', task, step: 'keys-at-rest', title: 'Encrypt keys an older version left in clear', state: 'done' });
    }
  }
  const previous = await readInventory(opts.pkiDir).catch(() => null);
  const prevByName = new Map((previous?.caFingerprintSha256 === ca.cert.fingerprint256 ? previous.certificates : []).map((e) => [e.name, e]));
  const entries: InventoryEntry[] = [];
  const out: IssueResult[] = opts.planned.map((want, i) => {
    const d = decisions[i]!;
    const cert = d.action === 'unchanged' ? d.cert : signed.get(want.name)!.cert;
    if (d.action === 'unchanged') emit({ type: 'step', task, step: want.name, title: `Issue ${want.name}`, state: 'skipped' });
    entries.push(inventoryEntry(opts.pkiDir, want, cert, prevByName.get(want.name)));
    return { name: want.name, action: d.action, reason: d.reason, serial: serialOf(cert), notAfter: isoDate(cert.validTo), dns: want.dns, ip: want.ip };
  });
  // Certificates no longer planned (e.g. k3s-api after a topology change) stay on disk and in the list.
  for (const e of previous?.certificates ?? []) if (!entries.some((x) => x.name === e.name)) entries.push(e);
  const changed = !previous || previous.caFingerprintSha256 !== ca.cert.fingerprint256 || JSON.stringify(previous.certificates) !== JSON.stringify(entries);
  if (changed) await writeInventory(opts.pkiDir, { schemaVersion: 1, caFingerprintSha256: ca.cert.fingerprint256, updated: now.toISOString(), certificates: entries });
  return out;
}

