// Handlers for the network capability's contract entries (see ../calls/network.ts).
export const networkHandlers = {};
