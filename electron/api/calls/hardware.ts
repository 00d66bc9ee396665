import { z } from 'zod';
import { HardwareReport } from '../../engine/hardware/schema.js';
import { call } from './define.js';

export const hardwareCalls = {
  'hardware.local': call({
    summary: 'Detect the hardware of the machine the appliance runs on.',
    input: z.object({}).strict(),
    output: HardwareReport,
  }),
};
