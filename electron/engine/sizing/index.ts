/**
 * Sizing: judges hardware reports against the tier profiles (profiles.yaml) per host and per
 * cluster, with an overall verdict. See docs/hardware-and-sizing.md.
 */
export { CheckStatus, SizingCheck, worst, fmtBytes } from './check.js';
export { parseSize, SizingProfile, ProfilesFile, HostRequirements } from './profile-schema.js';
export { loadProfiles, getProfile, defaultProfileName, profileBanner, PROFILES_PATH } from './profiles.js';
export { evaluateHost, filesystemOf, type HostCheckOptions } from './host-checks.js';
export { evaluateCluster, expectedNodes, type ClusterMember } from './cluster-checks.js';
export { sizeSite, SiteSizing, HostSizing, Verdict, type SizeInput } from './verdict.js';
export { probeSiteHardware, siteBundleBytes, type SiteHardwareOptions } from './site-hardware.js';
