/**
 * The JCPBA model written out again for the tests, from its statement in solvers/README.md
 * ("Model" table and the `rateModel` extension), importing nothing from solvers/ or src/: rates,
 * memory floor, client and round latency, rounds model and objective. Tests check the solvers'
 * answers with these, so a mistake in solvers/jcpba/model.ts cannot hide behind itself.
 */
import type { JcpbaClient, JcpbaInstance } from '../../solvers/jcpba/types.js';

/** Shannon rate of an FDMA share: r(b) = b log2(1 + p g / (N0 b)), r(0) = 0. */
export function shannonRate(b: number, p: number, g: number, n0: number): number {
  if (b === 0) return 0;
  return b * Math.log2(1 + (p * g) / (n0 * b));
}

const EULER_GAMMA = 0.5772156649015329;

/**
 * e^y E1(y) for y > 0, written from the textbook forms (Abramowitz & Stegun 5.1.11 series for
 * y <= 1; the continued fraction 5.1.22, evaluated by the modified Lentz method, for y > 1).
 */
export function expE1(y: number): number {
  if (!(y > 0)) throw new RangeError(`expE1 needs y > 0, got ${y}`);
  if (y <= 1) {
    // E1(y) = -gamma - ln y - sum_{k>=1} (-y)^k / (k k!)
    let sum = 0;
    let term = 1;
    for (let k = 1; k < 60; k++) {
      term *= -y / k;
      const add = term / k;
      sum += add;
      if (Math.abs(add) < 1e-18) break;
    }
    return Math.exp(y) * (-EULER_GAMMA - Math.log(y) - sum);
  }
  // e^y E1(y) = 1 / (y + 1 - 1^2 / (y + 3 - 2^2 / (y + 5 - ...)))
  const tiny = 1e-300;
  let bb = y + 1;
  let c = 1 / tiny;
  let d = 1 / bb;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * i;
    bb += 2;
    d = 1 / (an * d + bb);
    c = bb + an / c;
    const del = c * d;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/**
 * Rayleigh ergodic rate of an FDMA share with mean gain g: b E[log2(1 + c X / b)], X ~ Exp(1),
 * c = p g / N0, which is b e^y E1(y) / ln 2 at y = b / c (solvers/README.md).
 */
export function rayleighErgodicRate(b: number, p: number, g: number, n0: number): number {
  if (b === 0) return 0;
  return (b * expE1((b * n0) / (p * g))) / Math.LN2;
}

export function rateOf(inst: JcpbaInstance): (b: number, p: number, g: number, n0: number) => number {
  return inst.rateModel === 'rayleigh-ergodic' ? rayleighErgodicRate : shannonRate;
}

/** Memory floor rho_min = max(0, 1 - (M - M0) / M1); Infinity when M < M0 (no rate fits). */
export function memoryFloor(c: JcpbaClient): number {
  const free = c.memoryBytes - c.fixedMemoryBytes;
  if (free < 0) return Infinity;
  if (c.prunableMemoryBytes === 0) return 0;
  return Math.max(0, 1 - free / c.prunableMemoryBytes);
}

/** A rate r(b, p, g, N0) in bit/s. */
export type RateFn = (b: number, p: number, g: number, n0: number) => number;

/**
 * T_k = d_k + (C0 + (1 - rho) C1) / F + (S0 + (1 - rho) S1) / r_k(b); `rate` defaults to the
 * instance's rate model (a test of another rate model passes its own, written in the test).
 */
export function clientLatency(inst: JcpbaInstance, k: number, rho: number, b: number, rate: RateFn = rateOf(inst)): number {
  const c = inst.clients[k]!;
  const bits = c.fixedUploadBits + (1 - rho) * c.prunableUploadBits;
  return c.downloadS + (c.fixedFlops + (1 - rho) * c.prunableFlops) / c.flopsPerS + bits / rate(b, c.txPowerW, c.channelGain, inst.n0WPerHz);
}

/** R(rho) = A / (eps - beta rhobar), rhobar the weight-averaged rate; Infinity where undefined. */
export function rounds(inst: JcpbaInstance, rho: readonly number[]): number {
  let mass = 0;
  let w = 0;
  inst.clients.forEach((c, k) => {
    mass += c.weight * rho[k]!;
    w += c.weight;
  });
  const den = inst.rounds.epsilon - inst.rounds.beta * (mass / w);
  return den > 0 ? inst.rounds.A / den : Infinity;
}

/** J = R(rho) max_k T_k. */
export function objective(inst: JcpbaInstance, rho: readonly number[], b: readonly number[]): number {
  const T = Math.max(...inst.clients.map((_, k) => clientLatency(inst, k, rho[k]!, b[k]!)));
  return rounds(inst, rho) * T;
}
