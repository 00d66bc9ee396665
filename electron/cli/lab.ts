import type { Command } from 'commander';

/** `appliance lab ...` commands. (Placeholder until the capability lands.) */
export function registerLab(_program: Command): void {}
