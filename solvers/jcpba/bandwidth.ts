/**
 * Bandwidth block of the BCD (docs/jcpba-model.md, BCD step 2): with the pruning rates fixed,
 * minimise the round latency max_k T_k over sum_k b_k <= B.
 *
 * b_k(T), the least bandwidth with T_k <= T (inverse of the instance's increasing rate, either
 * model), is nonincreasing in T, so sum_k b_k(T) = B has one
 * root; it is found by bisection on T. At the root every client with upload finishes exactly at T
 * (the min-max optimum of an FDMA split with increasing rates).
 */
import { bandwidthForLatencyHz, clientLatencyS, latencyFloorS, rateModelOf } from './model.js';
import type { JcpbaInstance } from './types.js';

export interface MinMaxBandwidth {
  /** The least round latency reachable with these pruning rates (up to a relative 1e-14). */
  latencyS: number;
  /** Per-client bandwidth, sum <= B. */
  bandwidthHz: number[];
  /** Number of round-latency bisection steps. */
  steps: number;
}

function bandwidthsAt(instance: JcpbaInstance, rho: readonly number[], latencyS: number): { b: number[]; sum: number } {
  let sum = 0;
  const model = rateModelOf(instance);
  const b = instance.clients.map((c, k) => {
    const need = bandwidthForLatencyHz(c, rho[k]!, latencyS, instance.n0WPerHz, model);
    sum += need;
    return need;
  });
  return { b, sum };
}

/** min over b of max_k T_k(rho_k, b_k) subject to sum b <= B, by bisection on T. */
export function minMaxBandwidth(instance: JcpbaInstance, rho: readonly number[]): MinMaxBandwidth {
  const { clients, bandwidthHz: total, n0WPerHz } = instance;
  const model = rateModelOf(instance);
  // Below lo some client cannot finish even with infinite bandwidth.
  let lo = 0;
  clients.forEach((c, k) => {
    lo = Math.max(lo, latencyFloorS(c, rho[k]!, n0WPerHz, model));
  });
  // The equal split reaches hi, so hi is feasible.
  let hi = 0;
  const equal = total / clients.length;
  clients.forEach((c, k) => {
    hi = Math.max(hi, clientLatencyS(c, rho[k]!, equal, n0WPerHz, model));
  });
  let best = bandwidthsAt(instance, rho, hi);
  let steps = 0;
  while (hi - lo > 1e-14 * hi && steps < 200) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const at = bandwidthsAt(instance, rho, mid);
    if (at.sum <= total) {
      hi = mid;
      best = at;
    } else lo = mid;
    steps++;
  }
  return { latencyS: hi, bandwidthHz: best.b, steps };
}
