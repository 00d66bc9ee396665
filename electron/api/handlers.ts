import type { z } from 'zod';
import type { Calls, Method } from './contract.js';
import type { HandlerContext } from './handler-context.js';
import { bundleHandlers } from './handlers/bundle.js';
import { hardwareHandlers } from './handlers/hardware.js';
import { installHandlers } from './handlers/install.js';
import { networkHandlers } from './handlers/network.js';
import { pkiHandlers } from './handlers/pki.js';
import { sessionHandlers } from './handlers/session.js';
import { siteHandlers } from './handlers/site.js';
import { systemHandlers } from './handlers/system.js';

/** A handler receives already-validated input; what it returns is validated on the way out. */
export type Handler<M extends Method> = (input: z.output<Calls[M]['input']>, ctx: HandlerContext) => Promise<z.input<Calls[M]['output']>>;
export type HandlerMap<M extends Method> = { [K in M]: Handler<K> };

/**
 * Contract -> engine. The `satisfies` makes a missing or extra handler a type error; the
 * contract test checks the same at run time for every host.
 */
export const handlers = {
  ...systemHandlers,
  ...hardwareHandlers,
  ...bundleHandlers,
  ...siteHandlers,
  ...networkHandlers,
  ...pkiHandlers,
  ...installHandlers,
  ...sessionHandlers,
} satisfies HandlerMap<Method>;
