import type { ApplianceEvent, CallResult, Input, Method } from '../api/contract.js';

/** What the renderer sends for one call: its task id (for events and cancel) and the input. */
export interface BridgeEnvelope<M extends Method> {
  task: string;
  input: Input<M>;
}

/**
 * `window.appliance` in Electron: exactly one function per contract method (named after it,
 * e.g. `appliance['hardware.local']({ task, input: {} })`), plus an event subscription. No
 * generic send/invoke: a page can call the contract and nothing else. This file holds no
 * Electron code, so the renderer may import it (`import type` for the type).
 */
export type ApplianceBridge = { readonly [M in Method]: (envelope: BridgeEnvelope<M>) => Promise<CallResult<M>> } & {
  /** Subscribes to engine events (all tasks); returns the unsubscribe function. */
  onEvent(cb: (event: ApplianceEvent) => void): () => void;
};

/** The global name the preload exposes the bridge under. */
export const BRIDGE_GLOBAL = 'appliance';

declare global {
  interface Window {
    /** Present in Electron (set by the preload); absent in the browser console host. */
    appliance?: ApplianceBridge;
  }
}
