/** The wizard's steps in the order a field engineer works through them. */
export const STEP_IDS = ['bundle', 'site', 'hardware', 'network', 'certificates', 'install', 'checklist', 'diagnostics'] as const;
export type StepId = (typeof STEP_IDS)[number];
