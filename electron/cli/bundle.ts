import type { Command } from 'commander';

/** `appliance bundle ...` commands. (Placeholder until the capability lands.) */
export function registerBundle(_program: Command): void {}
