import { stat } from 'node:fs/promises';
import { ApplianceError } from '../../engine/errors.js';
import { readSecrets, sitePaths } from '../../engine/site/index.js';
import type { HandlerMap } from '../handlers.js';
import { siteHolds } from '../typed-passphrase.js';

export const sessionHandlers = {
  'site.unlock': async (input, ctx) => {
    const file = sitePaths(input.dir).secrets;
    // Nothing to prove it against means nothing to unlock: refuse rather than keep an unproven word.
    if (!(await stat(file).then((s) => s.isFile(), () => false))) {
      throw new ApplianceError('NOT_FOUND', `${input.dir} has no secrets.enc: it is not a site, or was created without a passphrase. Open or create the site first.`, { dir: input.dir });
    }
    await readSecrets(input.dir, input.passphrase); // PERMISSION "wrong site passphrase" when wrong
    siteHolds(input.passphrase);
    const unlocked = ctx.session.unlock(input.dir, input.passphrase, input.idleTimeoutSeconds);
    return { ...unlocked, idleTimeoutSeconds: input.idleTimeoutSeconds ?? ctx.session.idleTimeoutSeconds };
  },
  'site.lock': async (input, ctx) => ({ locked: ctx.session.lock(input.dir) }),
  'site.session': async (_input, ctx) => ({ unlocked: ctx.session.list(), idleTimeoutSeconds: ctx.session.idleTimeoutSeconds }),
} satisfies HandlerMap<'site.unlock' | 'site.lock' | 'site.session'>;
