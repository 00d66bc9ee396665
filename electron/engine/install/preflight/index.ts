/**
 * The install preflight (issue 10 item 4): read-only checks on every host before any change.
 * On failure the install stops with every reason (formatPreflightFailure) and touches nothing.
 */
export { runPreflight, type PreflightInput } from './run-preflight.js';
export { formatPreflightFailure } from './format.js';
export { PreflightReport, PreflightHost, PreflightCheck, PreflightStatus } from './schema.js';
export { bundleCheck } from './bundle-check.js';
export { hardwareCheck, osCheck, clockCheck, MAX_CLOCK_SKEW_MS } from './host-facts-checks.js';
export { portsCheck, parseDockerPublishedPorts } from './ports-check.js';
export { dockerCheck, versionAtLeast } from './docker-check.js';
export { diskCheck, parseDfAvail, parseDuBytes, SPACE_FACTOR } from './disk-check.js';
