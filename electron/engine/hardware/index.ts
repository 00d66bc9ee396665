export * from './schema.js';
export { detectLocalHardware } from './local.js';
export { supportsX86_64_v2 } from './x86-level.js';
export { probeHost, probeHosts, loadProbeScript, type ProbeOptions, type ProbeTarget, type HostProbeResult } from './remote.js';
export { measureClockOffset, type ClockOffset } from './clock-offset.js';
