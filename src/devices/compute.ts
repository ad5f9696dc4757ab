/**
 * How long a device computes a round's local work: the roofline model (Williams, Waterman and
 * Patterson 2009, "Roofline: an insightful visual performance model for multicore
 * architectures", CACM 52(4)): a kernel runs at min(peak FLOP/s, bandwidth x operational
 * intensity), i.e. it takes the longer of its compute time and its memory-traffic time.
 *   t = max(flops / (peak x utilisation), bytes moved / memory bandwidth)
 * The compute roof is the sustained rate, the peak times the model FLOPs utilisation (Chowdhery
 * et al. 2022); without a memory bandwidth only the compute roof applies.
 */
import type { Device } from './device.js';

/** Sustained training FLOP/s: peak x utilisation. */
export const sustainedFlopsPerS = (d: Pick<Device, 'flopsPerS' | 'utilisation'>): number => d.flopsPerS * d.utilisation;

/** Seconds to compute `flops` FLOPs that move `trafficBytes` bytes between memory and the cores. */
export function computeTimeS(
  d: Pick<Device, 'flopsPerS' | 'utilisation' | 'memoryBandwidthBps'>,
  flops: number,
  trafficBytes?: number,
): number {
  const computeS = flops / sustainedFlopsPerS(d);
  if (d.memoryBandwidthBps === undefined || trafficBytes === undefined) return computeS;
  return Math.max(computeS, trafficBytes / d.memoryBandwidthBps);
}
