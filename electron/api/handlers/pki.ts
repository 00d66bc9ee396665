// Handlers for the pki capability's contract entries (see ../calls/pki.ts).
export const pkiHandlers = {};
