import { z } from 'zod';
import { FoundBundleSchema, InspectReportSchema, VerifyReportSchema } from '../../engine/bundle/schema.js';
import { call } from './define.js';

const BundlePath = z.string().min(1).max(4096).describe('a bundle folder, .tar, .parts.json or one of its parts, on the machine running the appliance');

export const bundleCalls = {
  'bundle.list': call({
    summary: 'Bundles found in the shipped bundles folder and, optionally, one more folder (e.g. the USB drive).',
    input: z.object({ dir: z.string().min(1).max(4096).optional() }).strict(),
    output: z.object({ bundles: z.array(FoundBundleSchema) }),
  }),
  'bundle.inspect': call({
    summary: 'What a bundle holds, its signature status and whether it is verified, without hashing.',
    input: z.object({ path: BundlePath }).strict(),
    output: InspectReportSchema,
  }),
  'bundle.verify': call({
    summary: 'Verify a bundle: signature, layout and the SHA-256 of every blob, with progress events; cancellable.',
    input: z.object({ path: BundlePath, full: z.boolean().optional(), allowUnsigned: z.boolean().optional() }).strict(),
    output: VerifyReportSchema,
  }),
};
