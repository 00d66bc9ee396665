export * from './schema.js';
export { detectLocalHardware } from './local.js';
export { supportsX86_64_v2 } from './x86-level.js';
