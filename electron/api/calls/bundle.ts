// Contract entries for the bundle capability. Entries are added as the capability is built.
export const bundleCalls = {};
