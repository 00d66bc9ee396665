import { Command, CommanderError, Help } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../main/app-paths.js';
import { COMMAND_GROUPS, groupNamed } from './command-groups.js';
import { EXIT } from './exit-codes.js';

/**
 * Builds the `appliance` program: one file per command group. Only the groups named in `load`
 * are imported and registered for real; the others are declared by name and description
 * (enough for the top-level help), so start-up does not pay for engine code it will not run.
 */
export async function buildProgram(load: 'all' | readonly string[]): Promise<Command> {
  // repoRoot() resolves from electron/cli and from dist/electron/cli alike.
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
  const terms = new WeakMap<Command, string>();
  const program = new Command('appliance')
    .description('Airgap Appliance: verify bundles, check hardware, plan networks, issue certificates and install offline sites.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ subcommandTerm: (cmd) => terms.get(cmd) ?? new Help().subcommandTerm(cmd) })
    .exitOverride();
  for (const group of COMMAND_GROUPS) {
    if (load === 'all' || load.includes(group.name)) (await group.load())(program);
    else terms.set(program.command(group.name).description(group.description), group.term);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const named = groupNamed(argv.slice(2));
  const program = await buildProgram(named ? [named] : []);
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
