/**
 * Wireless radio models: path loss, shadowing, fading, noise, link abstraction, numerology, power
 * control, interference, rate, transfers, bandwidth, energy.
 */
export * from './pathloss.js';
export * from './shadowing.js';
export * from './fading.js';
export * from './noise.js';
export * from './rate.js';
export * from './timeline.js';
export * from './bandwidth.js';
export * from './energy.js';
export * from './config.js';
export * from './radio.js';
export * from './link-abstraction.js';
export * from './attenuated-shannon.js';
export * from './nr-mcs.js';
export * from './numerology.js';
export * from './power-control.js';
export * from './interference.js';
export * from './concave-surrogate.js';
export * from './validity.js';
export * from './aggregate.js';
export * from './block-moments.js';
