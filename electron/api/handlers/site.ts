// Handlers for the site capability's contract entries (see ../calls/site.ts).
export const siteHandlers = {};
