// A module of its own so that the start-up path (appliance.ts) gets them without output.ts,
// which imports the engine.

/** Exit codes: 0 ok, 1 the thing checked failed (verdict fail, verify failed), 2 bad usage/input, 3 other errors. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, ERROR: 3 } as const;
