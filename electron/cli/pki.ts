import type { Command } from 'commander';

/** `appliance pki ...` commands. (Placeholder until the capability lands.) */
export function registerPki(_program: Command): void {}
