/**
 * Command-line switches that would open the packaged app to a debugger: Chromium's remote
 * debugging (a local page or process drives the renderer, and through the preload the whole
 * API) and Node's inspector on the main process. The fuse `enableNodeCliInspectArguments: false`
 * already makes Node ignore --inspect*; refusing them at start as well covers builds made
 * without the fuses and says plainly why the app did not open.
 */
export const DEBUG_SWITCHES: readonly string[] = [
  'remote-debugging-port',
  'remote-debugging-pipe',
  'remote-debugging-address',
  'remote-debugging-io-pipes',
  'remote-allow-origins',
  'inspect',
  'inspect-brk',
  'inspect-port',
  'inspect-wait',
  'inspect-publish-uid',
];

// Chromium takes switches after "--" or "-" (and "/" on Windows), in any case on Windows.
const SWITCH = /^(?:--?|\/)([a-z][a-z0-9-]*)(?:=|$)/i;

/**
 * The debug switches present in `argv` (everything after the executable) or known to Electron's
 * own command line (`hasSwitch`, which also sees switches appended by the app or the OS).
 */
export function forbiddenDebugSwitches(argv: readonly string[], hasSwitch: (name: string) => boolean): string[] {
  const found = new Set<string>();
  for (const arg of argv.slice(1)) {
    const name = SWITCH.exec(arg)?.[1]?.toLowerCase();
    if (name && DEBUG_SWITCHES.includes(name)) found.add(name);
  }
  for (const name of DEBUG_SWITCHES) if (hasSwitch(name)) found.add(name);
  return [...found];
}

/** The refusal the engineer sees. */
export function debugSwitchRefusal(found: readonly string[]): string {
  return `Airgap Appliance does not start with debugging switches (${found.map((s) => `--${s}`).join(', ')}): they would let another program control the app and the site's secrets. Start it without them.`;
}
