// Contract entries for the site capability. Entries are added as the capability is built.
export const siteCalls = {};
