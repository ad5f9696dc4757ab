/**
 * A client device, as data. The simulation reads these fields; nothing here runs or keeps time.
 */
import { RandomStream } from '../random/index.js';

/** When a device can take part. Times are absolute simulation times in s. */
export type Availability =
  | { kind: 'always' }
  /**
   * Available inside any [startS, endS] window (closed at the start, open at the end); with
   * `periodS`, the windows repeat: the time is taken modulo periodS (FedScale's traces, fedscale.ts).
   */
  | { kind: 'windows'; windows: readonly (readonly [number, number])[]; periodS?: number }
  /** On during [phase + n period, phase + n period + on) for every integer n. */
  | { kind: 'periodic'; periodS: number; onS: number; phaseS: number };

export interface Device {
  /** Position in the population (0-based); the index used by every per-client stream. */
  index: number;
  /** Name (from the device file, or `<kind>-<index>`). */
  id: string;
  /** Device class, e.g. "phone", "laptop". */
  kind: string;
  /** Peak FLOP/s at the training precision (the scenario's `compute`). */
  flopsPerS: number;
  /** Fraction of the peak that training sustains (model FLOPs utilisation), in (0, 1]. */
  utilisation: number;
  /** Memory bandwidth, bytes/s, when given: memory-bound steps are timed by it (roofline). */
  memoryBandwidthBps?: number;
  /** Memory available to fine-tuning, bytes. */
  memoryBytes: number;
  /** Uplink transmit power, W. */
  txPowerW: number;
  /** Distance to the base station, m. */
  distanceM: number;
  /** Position in the cell (base station at the origin), m, when placed in a disc or given. */
  x?: number;
  y?: number;
  /** Average power drawn while computing, W. */
  computePowerW: number;
  /** CMOS energy model (E = kappa cycles f^2): cycles per FLOP, clock in Hz, kappa. */
  cyclesPerFlop?: number;
  clockHz?: number;
  kappa?: number;
  /**
   * Measured link rates, bit/s (a device file's uplinkRate / downlinkRate, a FedScale capacity
   * trace): a fixed network uses them instead of network.uplinkRate / downlinkRate.
   */
  uplinkBps?: number;
  downlinkBps?: number;
  /** Probability of dropping out of a round it was selected for. */
  dropoutProb: number;
  availability: Availability;
}

/**
 * Default model FLOPs utilisation: 0.462, PaLM's measured training MFU (Chowdhery et al. 2022,
 * "PaLM: Scaling Language Modeling with Pathways", Sec. 4.1 and Table 3, which defines the metric).
 * No published MFU of on-device LLM fine-tuning was found; phones likely reach less (training
 * kernels at 40-70 GFLOP/s on Snapdragon 8-series GPUs, Das et al. 2022, arXiv 2202.10100), so
 * give `utilisation` per device group when known; `utilisation: 1` reads `compute` as sustained.
 */
export const DEFAULT_UTILISATION = 0.462;

/** Is `device` available at `timeS`? */
export function isAvailable(device: Pick<Device, 'availability'>, timeS: number): boolean {
  const a = device.availability;
  switch (a.kind) {
    case 'always':
      return true;
    case 'windows': {
      const t = a.periodS === undefined ? timeS : ((timeS % a.periodS) + a.periodS) % a.periodS;
      return a.windows.some(([s, e]) => t >= s && t < e);
    }
    case 'periodic': {
      const phase = (((timeS - a.phaseS) % a.periodS) + a.periodS) % a.periodS;
      return phase < a.onS;
    }
  }
}

/**
 * Does `device` drop out of `round`? One Bernoulli(dropoutProb) draw from the stream
 * `RandomStream.of(seed, 'device', 'dropout', index, round)`, so the outcome of a (client, round)
 * pair never depends on other clients, other rounds or the order of the calls.
 */
export function dropsOut(device: Pick<Device, 'index' | 'dropoutProb'>, round: number, seed: number): boolean {
  if (device.dropoutProb <= 0) return false;
  if (device.dropoutProb >= 1) return true;
  return RandomStream.of(seed, 'device', 'dropout', device.index, round).uniform01() < device.dropoutProb;
}

/**
 * Relative slack of EVERY memory-fit decision: the device check of a run, the JCPBA planner's
 * exclusions and the solver's memory floors (solvers/jcpba/model.ts) all use `memoryFits`, so they
 * agree. A load computed as M0 + (1 - rho) M1 at the floor rho = 1 - (M - M0) / M1 equals the
 * capacity M only up to rounding (e.g. 32000000000.000004 B against 32 GB, 1.2e-16 relative);
 * 1e-12 of the capacity absorbs those few ulps (also when M1 is thousands of times M, which
 * scales the rounding error), while a load one whole byte above a capacity of up to 1 TB still
 * does not fit.
 */
export const MEMORY_FIT_TOLERANCE = 1e-12;

/** Does a load of `requiredBytes` fit in `capacityBytes` (up to MEMORY_FIT_TOLERANCE)? */
export function memoryFits(requiredBytes: number, capacityBytes: number): boolean {
  return requiredBytes <= capacityBytes * (1 + MEMORY_FIT_TOLERANCE);
}

/** Does a workload of `requiredBytes` fit in the device's memory? */
export function fitsInMemory(device: Pick<Device, 'memoryBytes'>, requiredBytes: number): boolean {
  return memoryFits(requiredBytes, device.memoryBytes);
}

export type Participation =
  | { ok: true }
  | { ok: false; reason: 'unavailable' | 'dropout' | 'memory'; detail: string };

/**
 * Whether a selected device takes part in `round` starting at `timeS`, and if not, why. Checked in
 * this order: availability window, memory (when `requiredBytes` is given), dropout draw.
 */
export function participation(
  device: Device,
  round: number,
  timeS: number,
  seed: number,
  requiredBytes?: number,
): Participation {
  if (!isAvailable(device, timeS)) {
    return { ok: false, reason: 'unavailable', detail: `${device.id} is not available at t = ${timeS} s` };
  }
  if (requiredBytes !== undefined && !fitsInMemory(device, requiredBytes)) {
    return {
      ok: false,
      reason: 'memory',
      detail: `${device.id} needs ${formatBytes(requiredBytes)} but has ${formatBytes(device.memoryBytes)}`,
    };
  }
  if (dropsOut(device, round, seed)) {
    return { ok: false, reason: 'dropout', detail: `${device.id} dropped out of round ${round} (p = ${device.dropoutProb})` };
  }
  return { ok: true };
}

function formatBytes(b: number): string {
  return b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`;
}
