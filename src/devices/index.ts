/** Client devices: data, population building (config or CSV), availability, dropout, memory, compute time. */
export * from './device.js';
export * from './config.js';
export * from './population.js';
export * from './compute.js';
