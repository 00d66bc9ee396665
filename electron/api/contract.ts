import { z } from 'zod';
import { ApplianceEvent } from '../engine/events/index.js';
import { bundleCalls } from './calls/bundle.js';
import type { CallDef } from './calls/define.js';
import { hardwareCalls } from './calls/hardware.js';
import { installCalls } from './calls/install.js';
import { networkCalls } from './calls/network.js';
import { pkiCalls } from './calls/pki.js';
import { sessionCalls } from './calls/session.js';
import { siteCalls } from './calls/site.js';
import { systemCalls } from './calls/system.js';

/**
 * The one contract between the renderer and the engine. Every host (Electron IPC, the console
 * WebSocket) exposes exactly these calls and nothing else; the renderer, preload and hosts are
 * all typed from this object. Entries are grouped by capability in ./calls/ so each file stays
 * small, but this map is the single list (a test checks every host against it).
 */
export const calls = {
  ...systemCalls,
  ...hardwareCalls,
  ...bundleCalls,
  ...siteCalls,
  ...networkCalls,
  ...pkiCalls,
  ...installCalls,
  ...sessionCalls,
} satisfies Record<string, CallDef>;

export type Calls = typeof calls;
export type Method = keyof Calls;
export type Input<M extends Method> = z.input<Calls[M]['input']>;
export type Output<M extends Method> = z.output<Calls[M]['output']>;

export const methods = Object.keys(calls) as Method[];

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(calls, name);
}

/** Events flow from engine to renderer on one channel; see engine/events for the union. */
export { ApplianceEvent };

/** A typed failure. `issues` lists schema problems for VALIDATION errors. */
export const ApiError = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** What a call sends: a task id chosen by the caller (for events and cancel) and the input. */
export const CallEnvelope = z.object({ task: z.string().min(1).max(100), input: z.unknown() });
export type CallEnvelope = z.infer<typeof CallEnvelope>;

export type CallResult<M extends Method = Method> = { ok: true; value: Output<M> } | { ok: false; error: ApiError };

/** Names shared by the Electron main process and the preload. */
export const IPC_PREFIX = 'appliance:';
export const IPC_EVENT_CHANNEL = 'appliance:event';
export const ipcChannel = (m: Method) => `${IPC_PREFIX}${m}`;
