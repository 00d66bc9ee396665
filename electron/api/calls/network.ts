// Contract entries for the network capability. Entries are added as the capability is built.
export const networkCalls = {};
