/**
 * Baseline allocators, each solved exactly within its own restriction:
 * - `equal`: rho = memory floor, b = B / K.
 * - `bandwidth-only`: rho = memory floor, min-max bandwidth (the BCD bandwidth block).
 * - `uniform-pruning`: one rho for every client (>= every floor), b = B / K, best such rho.
 * - `pruning-only`: per-client rho, b = B / K, best such rho.
 *
 * With the bandwidth fixed, T_k = e_k + a_k (1 - rho_k) is affine in rho_k
 * (e_k = d_k + C0_k/F_k + S0_k/r_k, a_k = C1_k/F_k + S1_k/r_k). For both pruning baselines the
 * objective along the search variable is A T / (eps - beta rhobar) with T and rhobar piecewise
 * affine in each other, hence linear-fractional, hence monotone, on every piece: the minimum is
 * at a breakpoint, and enumerating the breakpoints is exact.
 */
import { minMaxBandwidth } from './bandwidth.js';
import { checkRoundsDefined, evaluateAllocation, instanceRate } from './model.js';
import { InfeasibleError, type JcpbaInstance, type JcpbaSolved, type RoundsModel } from './types.js';

/** e_k and a_k of T_k = e_k + a_k (1 - rho_k) at the given bandwidths. */
export function affineLatencies(instance: JcpbaInstance, bandwidthHz: readonly number[]): { e: number[]; a: number[] } {
  const e: number[] = [];
  const a: number[] = [];
  const rate = instanceRate(instance);
  instance.clients.forEach((c, k) => {
    const r = rate(bandwidthHz[k]!, c.txPowerW, c.channelGain, instance.n0WPerHz, c.snrCap);
    const perBit = (bits: number) => (bits > 0 ? bits / r : 0);
    e.push(c.downloadS + c.fixedFlops / c.flopsPerS + perBit(c.fixedUploadBits));
    a.push(c.prunableFlops / c.flopsPerS + perBit(c.prunableUploadBits));
  });
  return { e, a };
}

function objective(rounds: RoundsModel, latencyS: number, rhobar: number): number {
  const den = rounds.epsilon - rounds.beta * rhobar;
  return den > 0 ? (rounds.A * latencyS) / den : Infinity;
}

/**
 * Exact best per-client pruning for fixed bandwidths (the BCD pruning block solved in closed
 * form): for a round latency T each client takes its least rate rho_k(T) = max(floor_k,
 * 1 - (T - e_k)/a_k); rhobar(T) is piecewise affine with breakpoints t_k = e_k + a_k (1 - floor_k),
 * so the best T is T_lo = max_k (e_k + a_k (1 - rho_max)), T_hi = max_k t_k or a breakpoint.
 */
export function bestPruningForBandwidth(
  instance: JcpbaInstance,
  floors: readonly number[],
  bandwidthHz: readonly number[],
): number[] {
  const { e, a } = affineLatencies(instance, bandwidthHz);
  const { clients, rhoMax, rounds } = instance;
  const W = clients.reduce((s, c) => s + c.weight, 0);
  let tLo = 0;
  let tHi = 0;
  const breaks: number[] = [];
  clients.forEach((_, k) => {
    tLo = Math.max(tLo, e[k]! + a[k]! * (1 - rhoMax));
    const t = e[k]! + a[k]! * (1 - floors[k]!);
    tHi = Math.max(tHi, t);
    breaks.push(t);
  });
  const ratesAt = (t: number): number[] =>
    clients.map((_, k) => {
      if (!(a[k]! > 0)) return floors[k]!;
      return Math.min(rhoMax, Math.max(floors[k]!, 1 - (t - e[k]!) / a[k]!));
    });
  const meanAt = (t: number): number => {
    let s = 0;
    clients.forEach((c, k) => {
      const r = a[k]! > 0 ? Math.min(rhoMax, Math.max(floors[k]!, 1 - (t - e[k]!) / a[k]!)) : floors[k]!;
      s += c.weight * r;
    });
    return s / W;
  };
  let bestT = tHi;
  let bestJ = objective(rounds, tHi, meanAt(tHi));
  for (const t of [tLo, ...breaks]) {
    if (t < tLo || t > tHi) continue;
    const j = objective(rounds, t, meanAt(t));
    if (j < bestJ) {
      bestJ = j;
      bestT = t;
    }
  }
  return ratesAt(bestT);
}

/**
 * Exact best single pruning rate for fixed bandwidths: J(rho) = A max_k T_k(rho) / (eps - beta rho)
 * is monotone between breakpoints of the upper envelope of the lines T_k(rho); walk the envelope.
 */
export function bestUniformPruningForBandwidth(
  instance: JcpbaInstance,
  floors: readonly number[],
  bandwidthHz: readonly number[],
): number {
  const { e, a } = affineLatencies(instance, bandwidthHz);
  const { rounds, rhoMax } = instance;
  const lo = floors.reduce((a, f) => Math.max(a, f), -Infinity);
  const K = e.length;
  const lineAt = (k: number, rho: number) => e[k]! + a[k]! * (1 - rho);
  const maxAt = (rho: number) => {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, lineAt(k, rho));
    return m;
  };
  const candidates = [lo, rhoMax];
  // Envelope walk: at rho the top line is cur (ties: the least slope magnitude, which stays on top);
  // the next breakpoint is where a line with a smaller a_k crosses it.
  let rho = lo;
  let cur = 0;
  for (let k = 1; k < K; k++) {
    const d = lineAt(k, rho) - lineAt(cur, rho);
    if (d > 0 || (d === 0 && a[k]! < a[cur]!)) cur = k;
  }
  for (let step = 0; step < K; step++) {
    let next = Infinity;
    let nextK = -1;
    for (let k = 0; k < K; k++) {
      if (!(a[k]! < a[cur]!)) continue;
      // e_k + a_k (1 - x) = e_cur + a_cur (1 - x)  =>  x = 1 - (e_cur - e_k) / (a_k - a_cur)
      const x = 1 - (e[cur]! - e[k]!) / (a[k]! - a[cur]!);
      if (x > rho && (x < next || (x === next && a[k]! < a[nextK]!))) {
        next = x;
        nextK = k;
      }
    }
    if (nextK < 0 || next >= rhoMax) break;
    candidates.push(next);
    rho = next;
    cur = nextK;
  }
  let best = lo;
  let bestJ = objective(rounds, maxAt(lo), lo);
  for (const r of candidates) {
    const j = objective(rounds, maxAt(r), r);
    if (j < bestJ) {
      bestJ = j;
      best = r;
    }
  }
  return best;
}

export function solveEqual(instance: JcpbaInstance, floors: readonly number[]): JcpbaSolved {
  const share = instance.bandwidthHz / instance.clients.length;
  return evaluateAllocation(instance, floors, floors.map(() => share), 1);
}

export function solveBandwidthOnly(instance: JcpbaInstance, floors: readonly number[]): JcpbaSolved {
  return evaluateAllocation(instance, floors, minMaxBandwidth(instance, floors).bandwidthHz, 1);
}

export function solveUniformPruning(instance: JcpbaInstance, floors: readonly number[]): JcpbaSolved {
  const lo = floors.reduce((a, f) => Math.max(a, f), -Infinity);
  const worst = floors.indexOf(lo);
  if (!(instance.rounds.epsilon - instance.rounds.beta * lo > 0)) {
    throw new InfeasibleError(
      `uniform-pruning: rounds model undefined: one rate for all clients must be >= client ${worst} (clients[${worst}])'s memory floor ${lo}, and beta * ${lo} >= epsilon = ${instance.rounds.epsilon}`,
    );
  }
  const share = instance.bandwidthHz / instance.clients.length;
  const b = floors.map(() => share);
  const rho = bestUniformPruningForBandwidth(instance, floors, b);
  const rates = floors.map(() => rho);
  checkRoundsDefined(instance, rates, 'for the uniform pruning rate');
  return evaluateAllocation(instance, rates, b, 1);
}

export function solvePruningOnly(instance: JcpbaInstance, floors: readonly number[]): JcpbaSolved {
  const share = instance.bandwidthHz / instance.clients.length;
  const b = floors.map(() => share);
  return evaluateAllocation(instance, bestPruningForBandwidth(instance, floors, b), b, 1);
}
