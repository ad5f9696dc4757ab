/**
 * Types of the JCPBA allocator (joint client-specific pruning and bandwidth allocation).
 * Everything is in SI units; `parseInstance` (schema.ts) converts the file's dBm fields.
 */
import type { SpectralEfficiencyCurve } from '../../src/radio/concave-surrogate.js';

/** One client k of the JCPBA problem (symbols of docs/jcpba-model.md in brackets). */
export interface JcpbaClient {
  /** Aggregation weight [w_k], > 0. */
  weight: number;
  /** Sustained compute speed [F_k], FLOP/s. */
  flopsPerS: number;
  /** FLOPs per round not reduced by pruning [C0_k]. */
  fixedFlops: number;
  /** FLOPs per round removed in proportion to the pruning rate [C1_k]. */
  prunableFlops: number;
  /** Upload per round not reduced by pruning [S0_k], bit. */
  fixedUploadBits: number;
  /** Upload per round removed in proportion to the pruning rate [S1_k], bit. */
  prunableUploadBits: number;
  /** Transmit power [p_k], W. */
  txPowerW: number;
  /** Linear channel power gain [g_k] (path loss x shadowing x fading). */
  channelGain: number;
  /** Download time of the round's broadcast [d_k], s. */
  downloadS: number;
  /** Memory capacity [M_k], byte. */
  memoryBytes: number;
  /** Memory not reduced by pruning [M0_k], byte. */
  fixedMemoryBytes: number;
  /** Memory removed in proportion to the pruning rate [M1_k], byte. */
  prunableMemoryBytes: number;
  /**
   * Extension (simulation only): a ceiling on the client's mean SNR, linear. With uplink power
   * control a smaller share gets proportionally less power, so the SNR of a share b is
   * min(c / b, snrCap) and the rate b SE(min(c / b, snrCap)). Default Infinity (fixed power).
   */
  snrCap?: number;
}

/** Rounds model R(rho) = A / (epsilon - beta * rhobar). */
export interface RoundsModel {
  A: number;
  epsilon: number;
  beta: number;
}

/**
 * Uplink rate model of a client's FDMA share: 'shannon' (the spec's b log2(1 + c/b) at the given
 * gain) or 'rayleigh-ergodic' (the ergodic rate of a Rayleigh block-fading link whose mean gain is
 * the given gain, b E[log2(1 + c X / b)], X ~ Exp(1)): see solvers/README.md.
 */
export const RATE_MODELS = ['shannon', 'rayleigh-ergodic'] as const;
export type RateModelName = (typeof RATE_MODELS)[number];

/**
 * Extension (simulation only, not in instance files): a concave, nondecreasing spectral-efficiency
 * curve S with S(0) = 0; a share b then carries r(b) = b S(c / b) (README). Defined beside the
 * simulation's concave surrogates, which implement it (src/radio/concave-surrogate.ts).
 */
export type { SpectralEfficiencyCurve };

export type RateModel = RateModelName | SpectralEfficiencyCurve;

export interface JcpbaInstance {
  /** Total uplink bandwidth [B], Hz. */
  bandwidthHz: number;
  /** Noise power spectral density [N0], W/Hz (noise figure included). */
  n0WPerHz: number;
  /** Largest allowed pruning rate [rho_max], in [0, 1). */
  rhoMax: number;
  rounds: RoundsModel;
  clients: JcpbaClient[];
  /** Uplink rate model (default 'shannon', the spec's). */
  rateModel?: RateModel;
}

export const SOLVER_NAMES = ['bcd', 'exact', 'equal', 'bandwidth-only', 'uniform-pruning', 'pruning-only'] as const;
export type SolverName = (typeof SOLVER_NAMES)[number];

/** A solved allocation: exactly the JSON object `airtune solve` prints (plus optional trace). */
export interface JcpbaSolved {
  status: 'optimal';
  rho: number[];
  bandwidthHz: number[];
  clientLatencyS: number[];
  roundLatencyS: number;
  rounds: number;
  totalLatencyS: number;
  iterations: number;
  /** bcd: the objective J after the start and after each iteration. */
  trace?: number[];
}

/** No allocation exists; `reason` names the client and the constraint. */
export interface JcpbaInfeasible {
  status: 'infeasible';
  reason: string;
  rho: number[];
  bandwidthHz: number[];
  clientLatencyS: number[];
  roundLatencyS: null;
  rounds: null;
  totalLatencyS: null;
  iterations: number;
}

export type JcpbaResult = JcpbaSolved | JcpbaInfeasible;

/** Thrown by solvers when the instance has no feasible allocation (message = the reason). */
export class InfeasibleError extends Error {}

/**
 * The instance is beyond what a solver can handle (too many clients for bcd's dense LP, or numbers
 * whose products leave the range of a double so that no finite, feasible answer can be certified).
 * `airtune solve` exits 2 with the message; a simulation marks the round's clients infeasible.
 */
export class SolverRangeError extends Error {
  override readonly name = 'SolverRangeError';
}
