// Handlers for the bundle capability's contract entries (see ../calls/bundle.ts).
export const bundleHandlers = {};
