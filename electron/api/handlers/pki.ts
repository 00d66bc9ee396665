import { ApplianceError } from '../../engine/errors.js';
import { exportSiteCa, initSiteCa, issueSiteCertificates, listSiteCertificates, sitePkiStatus } from '../../engine/pki/index.js';
import { registerSecret } from '../../engine/redact.js';
import type { HandlerMap } from '../handlers.js';

/**
 * The site passphrase: as typed by the engineer, else the host's APPLIANCE_PASSPHRASE (console
 * host in tests and kiosks). Replace with the site capability's unlock API when it exists.
 * Asked for lazily: issuing on an up-to-date site signs nothing and needs no passphrase.
 */
function sitePassphrase(typed: string | undefined): () => Promise<string> {
  return async () => {
    const p = typed ?? process.env.APPLIANCE_PASSPHRASE;
    if (!p) throw new ApplianceError('PERMISSION', 'The site is locked: enter the site passphrase to unlock the CA key.');
    registerSecret(p);
    return p;
  };
}

export const pkiHandlers = {
  'pki.status': async (input) => sitePkiStatus(input.dir),
  'pki.init': async (input, ctx) => initSiteCa(input.dir, { passphrase: await sitePassphrase(input.passphrase)(), algorithm: input.algorithm, force: input.force, signal: ctx.signal }),
  'pki.issue': async (input, ctx) => ({
    results: await issueSiteCertificates(input.dir, {
      passphrase: sitePassphrase(input.passphrase),
      extraNames: input.extraNames,
      renewWithinDays: input.renewWithinDays,
      task: ctx.task,
      onEvent: ctx.onEvent,
      signal: ctx.signal,
    }),
  }),
  'pki.list': async (input) => ({ certificates: await listSiteCertificates(input.dir) }),
  'pki.exportCa': async (input) => exportSiteCa(input.dir, input.out),
} satisfies HandlerMap<'pki.status' | 'pki.init' | 'pki.issue' | 'pki.list' | 'pki.exportCa'>;
