import type { Command } from 'commander';

/** `appliance targets ...` commands. (Placeholder until the capability lands.) */
export function registerTargets(_program: Command): void {}
