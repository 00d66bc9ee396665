import type { Command } from 'commander';

/** `appliance site ...` commands. (Placeholder until the capability lands.) */
export function registerSite(_program: Command): void {}
