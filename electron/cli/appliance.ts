import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { registerBundle } from './bundle.js';
import { registerConsole } from './console.js';
import { registerHardware } from './hardware.js';
import { registerLab } from './lab.js';
import { registerNetwork } from './network.js';
import { EXIT } from './output.js';
import { registerPki } from './pki.js';
import { registerSite } from './site.js';
import { registerTargets } from './targets.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Builds the `appliance` program: one file per command group, assembled here. */
export function buildProgram(): Command {
  const program = new Command('appliance')
    .description('Airgap Appliance: verify bundles, check hardware, plan networks, issue certificates and install offline sites.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerHardware(program);
  registerBundle(program);
  registerSite(program);
  registerTargets(program);
  registerNetwork(program);
  registerPki(program);
  registerLab(program);
  registerConsole(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    throw e;
  }
}
