/** The LLM-scale cost model. */
export type { Architecture } from './architecture.js';
export * from './presets.js';
export * from './params.js';
export * from './precision.js';
export * from './flops.js';
export * from './memory.js';
export * from './schema.js';
export * from './training.js';
export * from './units.js';
