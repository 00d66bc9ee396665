import { detectLocalHardware } from '../../engine/hardware/index.js';
import type { HandlerMap } from '../handlers.js';

export const hardwareHandlers = {
  'hardware.local': async () => detectLocalHardware(),
} satisfies HandlerMap<'hardware.local'>;
