/**
 * An independent brute-force search for the JCPBA optimum, shared by the solver tests: a grid over
 * (rho_k, bandwidth split) followed by pattern search from the 8 best grid points. The objective,
 * the rate of the instance's `rateModel` and the memory floors come from ./oracle.ts (the model
 * written out from solvers/README.md), so nothing here comes from the solvers.
 */
import type { JcpbaInstance } from '../../solvers/jcpba/types.js';
import { clientLatency, memoryFloor, rateOf, rounds, type RateFn } from './oracle.js';

/** `rate`: the oracle's rate of the instance's model, unless a test passes its own hand-written one. */
export function bruteForce(inst: JcpbaInstance, rate: RateFn = rateOf(inst)): number {
  const K = inst.clients.length;
  const floors = inst.clients.map(memoryFloor);
  const dims = 2 * K - 1;
  const lo = [...floors, ...Array<number>(K - 1).fill(0)];
  const hi = [...floors.map(() => inst.rhoMax), ...Array<number>(K - 1).fill(1)];
  // J = R(rho) max_k T_k with the oracle's latency; x = (rho_1..rho_K, f_1..f_{K-1}): client k
  // gets fraction f_k of the bandwidth left. Inlined (no arrays): it runs ~10^6 times.
  const J = (x: number[]): number => {
    let rest = inst.bandwidthHz;
    let t = 0;
    for (let k = 0; k < K; k++) {
      const b = k < K - 1 ? rest * x[K + k]! : rest;
      rest -= b;
      t = Math.max(t, clientLatency(inst, k, x[k]!, b, rate));
    }
    const j = rounds(inst, x) * t;
    return Number.isNaN(j) ? Infinity : j;
  };
  const n = K === 2 ? 41 : 11;
  const pts: { x: number[]; j: number }[] = [];
  const idx = Array<number>(dims).fill(0);
  for (;;) {
    const x = idx.map((i, d) => lo[d]! + ((hi[d]! - lo[d]!) * i) / (n - 1));
    pts.push({ x, j: J(x) });
    let d = 0;
    while (d < dims && ++idx[d]! === n) idx[d++] = 0;
    if (d === dims) break;
  }
  pts.sort((a, b) => a.j - b.j);
  let best = pts[0]!.j;
  for (const start of pts.slice(0, 8)) {
    let x = start.x;
    let jx = start.j;
    let h = (hi as number[]).map((v, d) => (v - lo[d]!) / (n - 1));
    for (let round = 0; round < 60; round++) {
      let moved = false;
      const m = 5;
      const off = Array<number>(dims).fill(0);
      for (;;) {
        const y = x.map((v, d) => Math.min(hi[d]!, Math.max(lo[d]!, v + h[d]! * (off[d]! / ((m - 1) / 2) - 1))));
        const jy = J(y);
        if (jy < jx) {
          jx = jy;
          x = y;
          moved = true;
        }
        let d = 0;
        while (d < dims && ++off[d]! === m) off[d++] = 0;
        if (d === dims) break;
      }
      if (!moved) h = h.map((v) => v * 0.5);
    }
    best = Math.min(best, jx);
  }
  return best;
}
