import { z } from 'zod';
import type { ApplianceEvent, CallResult } from '../api/contract.js';

/**
 * The console's wire format over its one WebSocket: the browser sends calls, the server
 * answers each with a result (matched by id) and pushes the events of the caller's tasks.
 */
export const ConsoleClientMessage = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  envelope: z.unknown(),
});
export type ConsoleClientMessage = z.infer<typeof ConsoleClientMessage>;

export type ConsoleServerMessage =
  | { type: 'result'; id: number; result: CallResult }
  | { type: 'event'; event: ApplianceEvent }
  | { type: 'error'; message: string };
