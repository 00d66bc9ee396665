import { exportSiteCa, initSiteCa, issueSiteCertificates, listSiteCertificates, sitePkiStatus } from '../../engine/pki/index.js';
import type { HandlerMap } from '../handlers.js';
import { unlockSite } from '../typed-passphrase.js';

/** Asked for lazily: issuing on an up-to-date site signs nothing and needs no passphrase. */
function sitePassphrase(dir: string, typed: string | undefined): () => Promise<string> {
  return () => unlockSite(dir, typed, 'unlock the CA key');
}

export const pkiHandlers = {
  'pki.status': async (input) => sitePkiStatus(input.dir),
  'pki.init': async (input, ctx) => initSiteCa(input.dir, { passphrase: await sitePassphrase(input.dir, input.passphrase)(), algorithm: input.algorithm, force: input.force, signal: ctx.signal }),
  'pki.issue': async (input, ctx) => ({
    results: await issueSiteCertificates(input.dir, {
      passphrase: sitePassphrase(input.dir, input.passphrase),
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
