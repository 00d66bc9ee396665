import { z } from 'zod';
import { HardwareReport } from '../../engine/hardware/schema.js';
import { SiteSizing } from '../../engine/sizing/verdict.js';
import { call } from './define.js';

export const hardwareCalls = {
  'hardware.local': call({
    summary: 'Detect the hardware of the machine the appliance runs on.',
    input: z.object({}).strict(),
    output: HardwareReport,
  }),
  'hardware.profiles': call({
    summary: 'The sizing profiles (tiers) a site can be judged against, and the notes every verdict carries.',
    input: z.object({}).strict(),
    output: z.object({
      profiles: z.array(z.object({ name: z.string(), title: z.string(), production: z.boolean(), topology: z.enum(['single', 'k3s-3', 'any']) })),
      notes: z.array(z.string()),
    }),
  }),
  'hardware.site': call({
    summary: 'Probe every server of a site over SSH (in parallel, with step events) and judge it against a sizing profile.',
    input: z
      .object({
        dir: z.string().min(1).max(4096).describe('the site folder'),
        profile: z.string().min(1).max(64).optional().describe('default: the production tier of the site topology'),
        hosts: z.array(z.string().min(1).max(63)).max(64).optional(),
        bundleBytes: z.number().nonnegative().optional(),
        // The site passphrase as typed by the engineer (never echoed back; redacted in logs).
        passphrase: z.string().min(1).max(1024).optional(),
      })
      .strict(),
    output: SiteSizing,
  }),
};
