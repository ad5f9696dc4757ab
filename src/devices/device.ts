/**
 * A client device, as data. The simulation reads these fields; nothing here runs or keeps time.
 */
import { RandomStream } from '../random/index.js';

/** When a device can take part. Times are absolute simulation times in s. */
export type Availability =
  | { kind: 'always' }
  /** Available inside any [startS, endS] window (closed at the start, open at the end). */
  | { kind: 'windows'; windows: readonly (readonly [number, number])[] }
  /** On during [phase + n period, phase + n period + on) for every integer n. */
  | { kind: 'periodic'; periodS: number; onS: number; phaseS: number };

export interface Device {
  /** Position in the population (0-based); the index used by every per-client stream. */
  index: number;
  /** Name (from the device file, or `<kind>-<index>`). */
  id: string;
  /** Device class, e.g. "phone", "laptop". */
  kind: string;
  /** Sustained training throughput, FLOP/s. */
  flopsPerS: number;
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
  /** Probability of dropping out of a round it was selected for. */
  dropoutProb: number;
  availability: Availability;
}

/** Is `device` available at `timeS`? */
export function isAvailable(device: Pick<Device, 'availability'>, timeS: number): boolean {
  const a = device.availability;
  switch (a.kind) {
    case 'always':
      return true;
    case 'windows':
      return a.windows.some(([s, e]) => timeS >= s && timeS < e);
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
 * capacity M only up to rounding (e.g. 32000000000.000004 B against 32 GB); 1e-9 of the capacity
 * (32 B of 32 GB) absorbs those few ulps and nothing a device could notice.
 */
export const MEMORY_FIT_TOLERANCE = 1e-9;

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
