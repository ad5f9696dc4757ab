/**
 * The JCPBA cost model: pure functions of one client or one allocation (airtune's reconstruction of the JCPBA model, docs/jcpba-model.md).
 *
 * - Uplink rate: Shannon capacity of an FDMA sub-band, r(b) = b log2(1 + p g / (N0 b)), as in
 *   Yang et al., "Energy efficient federated learning over wireless communication networks",
 *   IEEE TWC 2021 (eq. 3); or (instance.rateModel 'rayleigh-ergodic') the ergodic rate of a
 *   Rayleigh block-fading share, r(b) = b E[log2(1 + c X / b)], X ~ Exp(1),
 *   = b exp(b/c) E1(b/c) / ln 2 (Goldsmith, Wireless Communications, Sec. 4.2.4; Alouini &
 *   Goldsmith, IEEE TVT 1999, eq. (34)). Both are increasing, concave, 0 at b = 0 and tend to
 *   c / ln 2; the solvers use only these properties (and each model's own derivatives).
 * - Pruning shrinks the prunable part of computation, upload and memory linearly in the pruning
 *   rate (Liu et al. 2022, "Joint model pruning and device selection for communication-efficient
 *   FL"; Jiang et al. 2022, PruneFL, "Model pruning enables efficient FL on edge devices").
 * - Rounds to the target loss R(rho) = A / (eps - beta rhobar): the convergence bound of pruned
 *   FL, whose pruning-error term grows with the (weighted) mean pruning rate (Liu et al. 2022).
 */
import { scaledExpIntE1, shannonRateBps } from '../../src/radio/rate.js';
import { memoryFits } from '../../src/devices/device.js';
import {
  InfeasibleError,
  type JcpbaClient,
  type JcpbaInstance,
  type JcpbaSolved,
  type RateModel,
  type RoundsModel,
  type SpectralEfficiencyCurve,
} from './types.js';

/** Receive SNR at 1 Hz, c = p g / N0 (unit Hz): the SNR over bandwidth b is c / b. */
export function snrBandwidthHz(txPowerW: number, gain: number, n0WPerHz: number): number {
  return (txPowerW * gain) / n0WPerHz;
}

/**
 * Shannon rate of an FDMA sub-band, r(b) = b log2(1 + p g / (N0 b)); r(0) = 0 (Yang et al. 2021):
 * the radio's own rate function (log1p form, exact at the very low SNR the exact solver probes).
 */
export const rateBps = shannonRateBps;

/** sup_b r(b) = p g / (N0 ln 2): the rate of infinite bandwidth (the power-limited regime), both models. */
export function rateLimitBps(txPowerW: number, gain: number, n0WPerHz: number): number {
  return snrBandwidthHz(txPowerW, gain, n0WPerHz) / Math.LN2;
}

/*
 * Rayleigh ergodic rate. With y = b / c (the inverse mean SNR of the share) and
 * f(y) = e^y E1(y) = int_0^inf e^-t / (t + y) dt, r(b) = c phi(y) / ln 2 with phi(y) = y f(y)
 * (phi increases from 0 to 1: 1/(y+1) < f(y) < 1/y, Abramowitz & Stegun 5.1.19). Since
 * f'(y) = f(y) - 1/y:
 *   dr/db   = phi1(y) / ln 2,        phi1(y) = (1 + y) f(y) - 1              (> 0),
 *   d2r/db2 = phi2(y) / (c ln 2),    phi2(y) = (2 + y) f(y) - (1 + y) / y    (< 0).
 * For large y (low SNR) both cancel; there the asymptotic series f ~ sum_n (-1)^n n! / y^(n+1)
 * gives phi1 = sum_{n>=1} (-1)^(n+1) n n! / y^(n+1) and phi2 = sum_{n>=2} (-1)^(n+1) (n-1) n! /
 * y^(n+1), summed up to the smallest term (error ~ y^1.5 e^-y, below 1e-14 relative for y > 40).
 */
const ERGODIC_SERIES_Y = 40;

function ergodicPhi1(y: number): number {
  if (y > ERGODIC_SERIES_Y) {
    let fact = 1; // n!
    let pow = y; // y^(n+1) / y
    let sum = 0;
    for (let n = 1; n < y; n++) {
      fact *= n;
      pow *= y;
      const term = ((n % 2 === 1 ? 1 : -1) * n * fact) / pow;
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return sum;
  }
  return (1 + y) * scaledExpIntE1(y) - 1;
}

function ergodicPhi2(y: number): number {
  if (y > ERGODIC_SERIES_Y) {
    let fact = 1;
    let pow = y * y; // y^(n+1) at n = 1
    let sum = 0;
    for (let n = 2; n < y; n++) {
      fact *= n;
      pow *= y;
      const term = ((n % 2 === 1 ? 1 : -1) * (n - 1) * fact) / pow;
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return sum;
  }
  return (2 + y) * scaledExpIntE1(y) - (1 + y) / y;
}

/**
 * Ergodic rate of a Rayleigh block-fading FDMA share of mean gain g: r(b) = b E[log2(1 + c X / b)],
 * X ~ Exp(1), c = p g / N0, = b exp(b/c) E1(b/c) / ln 2 (Goldsmith, Wireless Communications,
 * Sec. 4.2.4; Alouini & Goldsmith, IEEE TVT 1999, eq. (34)); r(0) = 0, r(inf) = c / ln 2.
 */
export function rayleighErgodicRateBps(bandwidthHz: number, txPowerW: number, gain: number, n0WPerHz: number): number {
  if (!(bandwidthHz > 0)) return 0;
  const c = snrBandwidthHz(txPowerW, gain, n0WPerHz);
  if (bandwidthHz === Infinity) return c / Math.LN2;
  const y = bandwidthHz / c;
  return (bandwidthHz * scaledExpIntE1(y)) / Math.LN2;
}

export type RateFunction = (bandwidthHz: number, txPowerW: number, gain: number, n0WPerHz: number, snrCap?: number) => number;

/*
 * Extension: rate models beyond the spec's two (types.ts `SpectralEfficiencyCurve`, and the
 * per-client SNR ceiling `snrCap` of uplink power control). With c = p g / N0:
 *   curve S:   r(b) = b S(c/b),  r' = S(x) - x S'(x),  r'' = x^2 S''(x) / b  (x = c/b);
 *   ceiling:   r(b) = b S(min(c/b, cap)): for b <= b_c = c / cap the rate is linear,
 *              b r_0(b_c) / b_c (slope r_0(b_c) / b_c, curvature 0), above it the model's own r_0.
 * Both are increasing and concave in b (the perspective of a concave S; the ceiling is the
 * composition with the concave min(x, cap)), 0 at b = 0, and tend to c S'(0): the properties the
 * solvers rely on (solvers/README.md).
 */
function isCurve(model: RateModel): model is SpectralEfficiencyCurve {
  return typeof model === 'object';
}

/** r_0(b) for c = p g / N0 (no ceiling). */
function baseRate(model: RateModel, b: number, c: number): number {
  if (!(b > 0)) return 0;
  if (isCurve(model)) return b === Infinity ? c * model.slopeAtZero : b * model.value(c / b);
  return model === 'rayleigh-ergodic' ? rayleighErgodicRateBps(b, c, 1, 1) : shannonRateBps(b, c, 1, 1);
}

/** The rate of infinite bandwidth, c S'(0) (c / ln 2 for both spec models). */
function baseLimit(model: RateModel, c: number): number {
  return isCurve(model) ? c * model.slopeAtZero : c / Math.LN2;
}

/**
 * The bandwidth beyond which the rate no longer grows: c / linearBelow for a curve that is a chord
 * from the origin below `linearBelow` (r(b) = c S'(0) for b >= c / linearBelow), else Infinity.
 */
export function saturationBandwidthHz(model: RateModel, snrHz: number): number {
  return isCurve(model) && model.linearBelow && model.linearBelow > 0 ? snrHz / model.linearBelow : Infinity;
}

/** The uplink rate function of a rate model (with an optional SNR ceiling per call). */
export function rateFunction(model: RateModel = 'shannon'): RateFunction {
  if (!isCurve(model)) {
    const f = model === 'rayleigh-ergodic' ? rayleighErgodicRateBps : shannonRateBps;
    return (b, p, g, n0, cap = Infinity) => (cap === Infinity ? f(b, p, g, n0) : cappedRate(model, b, snrBandwidthHz(p, g, n0), cap));
  }
  return (b, p, g, n0, cap = Infinity) => cappedRate(model, b, snrBandwidthHz(p, g, n0), cap);
}

function cappedRate(model: RateModel, b: number, c: number, cap: number): number {
  if (!(b > 0)) return 0;
  if (cap < Infinity) {
    const bc = c / cap;
    if (b <= bc) return (b * baseRate(model, bc, c)) / bc;
  }
  return baseRate(model, b, c);
}

/** The rate model an instance plans with ('shannon' unless it says otherwise). */
export function rateModelOf(instance: JcpbaInstance): RateModel {
  return instance.rateModel ?? 'shannon';
}

/** The instance's uplink rate function: one `rate` for every solver. */
export function instanceRate(instance: JcpbaInstance): RateFunction {
  return rateFunction(rateModelOf(instance));
}

/**
 * ln(1 + x) - x / (1 + x), accurate also for small x, where the two terms cancel
 * (series sum_{n>=2} (-1)^n (n - 1)/n x^n).
 */
function log1pMinusRatio(x: number): number {
  if (x > 1e-2) return Math.log1p(x) - x / (1 + x);
  let term = -x;
  let sum = 0;
  for (let n = 2; n <= 10; n++) {
    term *= -x;
    sum += ((n - 1) / n) * term;
  }
  return sum;
}

/**
 * dr/db, positive and decreasing (r concave). Shannon: log2(1 + x) - x / ((1 + x) ln 2), x = c / b.
 * Rayleigh ergodic: ((1 + y) e^y E1(y) - 1) / ln 2, y = b / c. Curve: S(x) - x S'(x). Below the
 * ceiling's bandwidth c / cap: r_0(c/cap) / (c/cap).
 */
export function rateSlopeBpsPerHz(bandwidthHz: number, snrHz: number, model: RateModel = 'shannon', snrCap = Infinity): number {
  if (!(bandwidthHz > 0)) return Infinity;
  if (bandwidthHz === Infinity) return 0;
  if (snrCap < Infinity && bandwidthHz <= snrHz / snrCap) {
    const bc = snrHz / snrCap;
    return baseRate(model, bc, snrHz) / bc;
  }
  if (isCurve(model)) {
    const x = snrHz / bandwidthHz;
    return model.value(x) - x * model.slope(x);
  }
  if (model === 'rayleigh-ergodic') return ergodicPhi1(bandwidthHz / snrHz) / Math.LN2;
  return log1pMinusRatio(snrHz / bandwidthHz) / Math.LN2;
}

/**
 * d2r/db2 <= 0. Shannon: -x^2 / (b (1 + x)^2 ln 2), x = c / b. Rayleigh ergodic:
 * ((2 + y) e^y E1(y) - (1 + y) / y) / (c ln 2), y = b / c. Curve: x^2 S''(x) / b. 0 below the
 * ceiling's bandwidth.
 */
export function rateCurvatureBpsPerHz2(bandwidthHz: number, snrHz: number, model: RateModel = 'shannon', snrCap = Infinity): number {
  if (snrCap < Infinity && bandwidthHz <= snrHz / snrCap) return 0;
  if (isCurve(model)) {
    const x = snrHz / bandwidthHz;
    return (x * x * model.curvature(x)) / bandwidthHz;
  }
  if (model === 'rayleigh-ergodic') return ergodicPhi2(bandwidthHz / snrHz) / (snrHz * Math.LN2);
  const x = snrHz / bandwidthHz;
  return -(x * x) / (bandwidthHz * (1 + x) * (1 + x) * Math.LN2);
}

/**
 * Least bandwidth b with r(b) >= rate: the inverse of the increasing concave rate; 0 for rate <= 0
 * and Infinity when the rate is at or above the limit p g / (N0 ln 2) (both models).
 *
 * Shannon: with x = c / b and kappa = rate ln 2 / c in (0, 1), r(b) = rate <=> psi(x) = ln(1 + x) -
 * kappa x = 0 at its positive root. psi is concave and decreasing past its maximum, so Newton's
 * method started right of the root stays right of it and converges monotonically (a bracketed,
 * bisection-safe root search on the monotone rate).
 * Rayleigh ergodic: see `ergodicBandwidthForRateHz`.
 */
export function bandwidthForRateHz(
  rateBpsValue: number,
  txPowerW: number,
  gain: number,
  n0WPerHz: number,
  model: RateModel = 'shannon',
  snrCap = Infinity,
): number {
  if (!(rateBpsValue > 0)) return 0;
  const c = snrBandwidthHz(txPowerW, gain, n0WPerHz);
  if (snrCap < Infinity) {
    // The linear part below b_c = c / cap carries up to r_0(b_c): invert it directly.
    const bc = c / snrCap;
    const rc = baseRate(model, bc, c);
    if (rateBpsValue <= rc) return (rateBpsValue * bc) / rc;
  }
  if (isCurve(model)) return curveInverse(model, rateBpsValue, c);
  const kappa = (rateBpsValue * Math.LN2) / c;
  if (!(kappa < 1)) return Infinity;
  if (model === 'rayleigh-ergodic') {
    // Within a few ulps of the limit, the rate is the limit up to rounding: infinite bandwidth.
    if (kappa > 1 - 4 * Number.EPSILON) return Infinity;
    return c * ergodicInverse(kappa);
  }
  // Start right of the root: psi(2 L / kappa) < 0 for L = ln(1/kappa) + 1 (doubling if not).
  let x = (2 * (Math.log(1 / kappa) + 1)) / kappa;
  while (Math.log1p(x) - kappa * x > 0) x *= 2;
  for (let i = 0; i < 200; i++) {
    const psi = Math.log1p(x) - kappa * x;
    const dpsi = 1 / (1 + x) - kappa;
    const next = x - psi / dpsi;
    if (!(next > 0) || !(next < x)) break; // monotone from the right: stop when no more progress
    const done = x - next <= 1e-15 * x;
    x = next;
    if (done) break;
  }
  return c / x;
}

/**
 * Least b with b S(c/b) >= rate for a concave curve: f(b) = b S(c/b) - rate is increasing and
 * concave, so Newton's method started left of the root (b_0 = rate / sup S, where f <= 0) stays
 * left and increases monotonically (exact in one step on each linear piece of a piecewise-linear
 * S); a bisection bracket guards against rounding.
 */
function curveInverse(S: SpectralEfficiencyCurve, rate: number, c: number): number {
  const limit = baseLimit(S, c);
  // A chord from the origin reaches the limit at c / linearBelow: the least bandwidth for it.
  if (S.linearBelow && S.linearBelow > 0 && rate >= limit * (1 - 1e-12)) return rate <= limit * (1 + 1e-12) ? c / S.linearBelow : Infinity;
  if (!(rate < limit)) return Infinity;
  let lo = Number.isFinite(S.max) && S.max > 0 ? rate / S.max : rate / limit;
  let hi = Math.max(2 * lo, 1e-300);
  while (baseRate(S, hi, c) < rate) {
    lo = hi;
    hi *= 2;
    if (hi === Infinity) return Infinity;
  }
  let b = lo;
  for (let i = 0; i < 300; i++) {
    const f = baseRate(S, b, c) - rate;
    if (f >= 0) {
      hi = b;
      if (f === 0) return b;
    } else lo = b;
    const x = c / b;
    const slope = S.value(x) - x * S.slope(x);
    let next = slope > 0 ? b - f / slope : Number.NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (hi - lo <= 1e-15 * hi || Math.abs(next - b) <= 1e-15 * b) return hi;
    b = next;
  }
  return hi;
}

/**
 * The y = b / c with phi(y) = y e^y E1(y) = kappa, kappa in (0, 1) (the ergodic rate's inverse).
 * phi is increasing and concave, so Newton's method started left of the root stays left of it
 * and increases monotonically; the root lies below kappa / (1 - kappa) (phi(y) > y / (1 + y)), and
 * halving that finds a left start. A bracket [lo, hi] falls back to bisection if rounding ever
 * pushes a step outside it.
 */
function ergodicInverse(kappa: number): number {
  const phi = (y: number) => y * scaledExpIntE1(y);
  let hi = kappa / (1 - kappa);
  let y = 0.5 * hi;
  while (phi(y) >= kappa) {
    hi = y;
    y *= 0.5;
  }
  let lo = y;
  for (let i = 0; i < 200; i++) {
    const f = phi(y) - kappa;
    if (f >= 0) {
      hi = y;
      if (f === 0) return y;
    } else lo = y;
    let next = y - f / ergodicPhi1(y);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (hi - lo <= 1e-15 * hi || Math.abs(next - y) <= 1e-15 * y) return f >= 0 ? y : next;
    y = next;
  }
  return y;
}

/**
 * Memory floor of the pruning rate: (1 - rho) M1 + M0 <= M gives rho >= 1 - (M - M0) / M1
 * (clipped at 0). Infinity when even full pruning cannot fit (M0 > M, or M1 = 0 and M0 > M).
 */
export function rhoMinFromMemory(memoryBytes: number, fixedMemoryBytes: number, prunableMemoryBytes: number): number {
  // Fit decisions use memoryFits (src/devices/device.ts), the one tolerance shared with the
  // simulation's device check, so a client placed at its floor is never rejected as oom there.
  if (!memoryFits(fixedMemoryBytes, memoryBytes)) return Infinity;
  if (!(prunableMemoryBytes > 0)) return 0;
  if (memoryFits(fixedMemoryBytes + prunableMemoryBytes, memoryBytes)) return 0;
  return Math.min(1, Math.max(0, 1 - (memoryBytes - fixedMemoryBytes) / prunableMemoryBytes));
}

/** Local computation time (C0 + (1 - rho) C1) / F. */
export function computeTimeS(client: JcpbaClient, rho: number): number {
  return (client.fixedFlops + (1 - rho) * client.prunableFlops) / client.flopsPerS;
}

/** Upload size S0 + (1 - rho) S1. */
export function uploadBits(client: JcpbaClient, rho: number): number {
  return client.fixedUploadBits + (1 - rho) * client.prunableUploadBits;
}

/** T_k = d_k + (C0 + (1 - rho) C1) / F + (S0 + (1 - rho) S1) / r_k(b_k). */
export function clientLatencyS(
  client: JcpbaClient,
  rho: number,
  bandwidthHz: number,
  n0WPerHz: number,
  model: RateModel = 'shannon',
): number {
  const bits = uploadBits(client, rho);
  const upload = bits > 0 ? bits / rateFunction(model)(bandwidthHz, client.txPowerW, client.channelGain, n0WPerHz, client.snrCap) : 0;
  return client.downloadS + computeTimeS(client, rho) + upload;
}

/** Least bandwidth with T_k <= latencyS at pruning rate rho (Infinity when unreachable). */
export function bandwidthForLatencyHz(
  client: JcpbaClient,
  rho: number,
  latencyS: number,
  n0WPerHz: number,
  model: RateModel = 'shannon',
): number {
  const slack = latencyS - client.downloadS - computeTimeS(client, rho);
  const bits = uploadBits(client, rho);
  if (bits <= 0) return slack >= 0 ? 0 : Infinity;
  if (!(slack > 0)) return Infinity;
  return bandwidthForRateHz(bits / slack, client.txPowerW, client.channelGain, n0WPerHz, model, client.snrCap);
}

/** Latency with unlimited bandwidth: no round can be shorter for this client at rate rho. */
export function latencyFloorS(client: JcpbaClient, rho: number, n0WPerHz: number, model: RateModel = 'shannon'): number {
  return clientLatencyS(client, rho, Infinity, n0WPerHz, model);
}

/** Synchronous aggregation waits for the slowest client: T = max_k T_k. */
export function roundLatencyS(clientLatenciesS: readonly number[]): number {
  let t = 0;
  for (const x of clientLatenciesS) t = Math.max(t, x);
  return t;
}

/** rhobar = sum_k w_k rho_k / sum_k w_k. */
export function meanPruningRate(clients: readonly JcpbaClient[], rho: readonly number[]): number {
  let num = 0;
  let den = 0;
  clients.forEach((c, k) => {
    num += c.weight * rho[k]!;
    den += c.weight;
  });
  return num / den;
}

/** R(rho) = A / (eps - beta rhobar); Infinity where the bound is undefined (beta rhobar >= eps). */
export function roundsToTarget(rounds: RoundsModel, rhobar: number): number {
  const den = rounds.epsilon - rounds.beta * rhobar;
  return den > 0 ? rounds.A / den : Infinity;
}

/** J = R(rho) * T: total wall-clock latency to the target loss. */
export function totalLatencyS(rounds: number, roundLatency: number): number {
  return rounds * roundLatency;
}

/** Memory floors of all clients. */
export function rhoMinAll(instance: JcpbaInstance): number[] {
  return instance.clients.map((c) => rhoMinFromMemory(c.memoryBytes, c.fixedMemoryBytes, c.prunableMemoryBytes));
}

/**
 * The memory floors, or InfeasibleError naming the client and the constraint when a floor is
 * above rhoMax or the rounds model is undefined even with every client at its floor.
 */
export function feasibleFloors(instance: JcpbaInstance): number[] {
  const floors = rhoMinAll(instance);
  floors.forEach((f, k) => {
    const c = instance.clients[k]!;
    if (f === Infinity) {
      throw new InfeasibleError(
        `client ${k} (clients[${k}]): memory: fixedMemoryBytes ${c.fixedMemoryBytes} exceeds memoryBytes ${c.memoryBytes}, no pruning rate fits`,
      );
    }
    // Above rhoMax unless the load at rhoMax fits up to the shared tolerance (then the floor is rhoMax).
    if (f > instance.rhoMax && !memoryFits(c.fixedMemoryBytes + (1 - instance.rhoMax) * c.prunableMemoryBytes, c.memoryBytes)) {
      throw new InfeasibleError(
        `client ${k} (clients[${k}]): memory floor rho_min = ${fmt(f)} (memoryBytes ${c.memoryBytes}, fixed ${c.fixedMemoryBytes}, prunable ${c.prunableMemoryBytes}) is above rhoMax = ${instance.rhoMax}`,
      );
    }
  });
  const clamped = floors.map((f) => Math.min(f, instance.rhoMax));
  checkRoundsDefined(instance, clamped, 'with every client at its memory floor');
  return clamped;
}

/** InfeasibleError when beta * rhobar >= epsilon for the given rates. */
export function checkRoundsDefined(instance: JcpbaInstance, rho: readonly number[], context: string): void {
  const rhobar = meanPruningRate(instance.clients, rho);
  const { epsilon, beta } = instance.rounds;
  if (!(epsilon - beta * rhobar > 0)) {
    let worst = 0;
    rho.forEach((r, k) => {
      if (r > rho[worst]!) worst = k;
    });
    throw new InfeasibleError(
      `rounds model undefined: beta * rhobar = ${fmt(beta * rhobar)} >= epsilon = ${epsilon} ${context} (rhobar = ${fmt(rhobar)}; largest rate: client ${worst} (clients[${worst}]) at ${fmt(rho[worst]!)})`,
    );
  }
}

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

/** The spec's result object for an allocation, with every latency recomputed from the model. */
export function evaluateAllocation(
  instance: JcpbaInstance,
  rho: readonly number[],
  bandwidthHz: readonly number[],
  iterations: number,
  trace?: number[],
): JcpbaSolved {
  const model = rateModelOf(instance);
  const latencies = instance.clients.map((c, k) => clientLatencyS(c, rho[k]!, bandwidthHz[k]!, instance.n0WPerHz, model));
  const t = roundLatencyS(latencies);
  const rounds = roundsToTarget(instance.rounds, meanPruningRate(instance.clients, rho));
  const out: JcpbaSolved = {
    status: 'optimal',
    rho: [...rho],
    bandwidthHz: [...bandwidthHz],
    clientLatencyS: latencies,
    roundLatencyS: t,
    rounds,
    totalLatencyS: totalLatencyS(rounds, t),
    iterations,
  };
  if (trace) out.trace = trace;
  return out;
}

/** J of an allocation (Infinity where undefined). */
export function objectiveJ(instance: JcpbaInstance, rho: readonly number[], bandwidthHz: readonly number[]): number {
  let t = 0;
  const model = rateModelOf(instance);
  instance.clients.forEach((c, k) => {
    t = Math.max(t, clientLatencyS(c, rho[k]!, bandwidthHz[k]!, instance.n0WPerHz, model));
  });
  return totalLatencyS(roundsToTarget(instance.rounds, meanPruningRate(instance.clients, rho)), t);
}
