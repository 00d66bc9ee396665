import { z } from 'zod';
import { NetworkPlan, PlanProblem, PresetName } from '../../engine/network/schema.js';
import { call } from './define.js';

const SiteDir = z.string().min(1).describe('site folder (holds site.yaml)');
const PlanWithProblems = z.object({ plan: NetworkPlan, problems: z.array(PlanProblem) });

export const networkCalls = {
  'network.presets': call({
    summary: 'List the network plan presets (on-premise guide, infrastructure overview).',
    input: z.object({}).strict(),
    output: z.object({ presets: z.array(z.object({ name: PresetName, title: z.string(), description: z.string() })) }),
  }),
  'network.plan': call({
    summary: "Create the site's network plan from a preset and write it into site.yaml.",
    input: z.object({ dir: SiteDir, preset: PresetName.default('onprem-guide') }).strict(),
    output: PlanWithProblems,
  }),
  'network.load': call({
    summary: "Read the site's network plan and its problems (null when the site has none yet).",
    input: z.object({ dir: SiteDir }).strict(),
    output: z.object({
      plan: NetworkPlan.nullable(),
      problems: z.array(PlanProblem),
      topology: z.enum(['single', 'k3s-3']),
      hosts: z.array(z.object({ name: z.string(), role: z.string().optional(), segment: z.string().optional() })),
    }),
  }),
  'network.validate': call({
    summary: 'Validate a network plan (pure: for inline validation while editing).',
    input: z
      .object({
        plan: z.unknown(),
        topology: z.enum(['single', 'k3s-3']),
        hosts: z.array(z.object({ name: z.string(), role: z.string().optional(), segment: z.string().optional() })),
      })
      .strict(),
    output: z.object({ problems: z.array(PlanProblem) }),
  }),
  'network.save': call({
    summary: 'Write an edited network plan into site.yaml (saved even with errors; rendering refuses those).',
    input: z.object({ dir: SiteDir, plan: NetworkPlan }).strict(),
    output: PlanWithProblems,
  }),
  'network.render': call({
    summary: 'Render nftables/ufw/netplan/hosts/dnsmasq/haproxy/keepalived files for every host into a folder.',
    input: z.object({ dir: SiteDir, out: z.string().min(1) }).strict(),
    output: z.object({ files: z.array(z.object({ path: z.string(), installTo: z.string().nullable() })), written: z.array(z.string()) }),
  }),
};
