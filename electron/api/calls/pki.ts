import { z } from 'zod';
import { CaAlgorithmSchema, CaStatus, CertificateListing, IssueResult } from '../../engine/pki/schema.js';
import { call } from './define.js';

const dir = z.string().min(1).max(4096).describe('the site folder');
// The site passphrase as typed by the engineer: input only, never in an output, redacted in logs.
const passphrase = z.string().min(1).max(1024).optional();

/**
 * The site CA. Outputs carry certificates' public facts only (subject, names, dates, serials,
 * fingerprints, install destinations): the CA key and server keys stay in DIR/pki/, encrypted.
 */
export const pkiCalls = {
  'pki.status': call({
    summary: 'The site CA (algorithm, validity, name constraints) and the issued certificates with days left. Needs no passphrase.',
    input: z.object({ dir }).strict(),
    // clearKeyFiles: a finding, paths of files under pki/ that hold an unencrypted private key (older versions wrote them).
    output: z.object({ site: z.string(), ca: CaStatus, certificates: z.array(CertificateListing), clearKeyFiles: z.array(z.string()) }),
  }),
  'pki.init': call({
    summary: 'Create the site root CA, name-constrained to the site domain and the network plan\'s segments and VIP.',
    input: z.object({ dir, algorithm: CaAlgorithmSchema.default('rsa4096'), force: z.boolean().default(false), passphrase }).strict(),
    output: CaStatus,
  }),
  'pki.issue': call({
    summary: 'Issue the server certificates of the site plan (idempotent; renews what expires within renewWithinDays, default 30).',
    input: z
      .object({
        dir,
        extraNames: z.array(z.string().min(1).max(253)).max(32).optional(),
        renewWithinDays: z.number().int().min(0).max(3650).optional(),
        passphrase,
      })
      .strict(),
    output: z.object({ results: z.array(IssueResult) }),
  }),
  'pki.list': call({
    summary: 'Issued certificates: names, expiry, days left, serial and install destinations.',
    input: z.object({ dir }).strict(),
    output: z.object({ certificates: z.array(CertificateListing) }),
  }),
  'pki.exportCa': call({
    summary: 'Write the root certificate (PEM, DER) and trust instructions for Windows, macOS, Linux and Firefox into a folder.',
    input: z.object({ dir, out: z.string().min(1).max(4096).describe('output folder, e.g. on a USB stick') }).strict(),
    output: z.object({
      outDir: z.string(),
      files: z.object({ pem: z.string(), crt: z.string(), der: z.string(), readme: z.string() }),
      fingerprintSha256: z.string(),
    }),
  }),
};
