// Contract entries for the pki capability. Entries are added as the capability is built.
export const pkiCalls = {};
