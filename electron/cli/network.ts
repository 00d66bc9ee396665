import type { Command } from 'commander';

/** `appliance network ...` commands. (Placeholder until the capability lands.) */
export function registerNetwork(_program: Command): void {}
