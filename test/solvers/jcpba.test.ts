import { bruteForce } from './brute-force.js';
import { describe, expect, it } from 'vitest';
import {
  EXACT_TOLERANCE,
  SOLVER_NAMES,
  solveExactDetailed,
  solveJcpba,
  type JcpbaInstance,
  type JcpbaResult,
  type JcpbaSolved,
} from '../../solvers/jcpba/index.js';
import { clientLatency, memoryFloor, rounds as roundsOracle } from './oracle.js';
import { randomInstance } from '../../solvers/jcpba/random-instance.js';

function solved(r: JcpbaResult): JcpbaSolved {
  if (r.status !== 'optimal') throw new Error(`expected a solution, got: ${r.reason}`);
  return r;
}

/** Feasibility and consistency of a returned allocation, recomputed from the test's own model (./oracle.ts). */
function expectFeasible(inst: JcpbaInstance, r: JcpbaSolved): void {
  const K = inst.clients.length;
  expect(r.rho).toHaveLength(K);
  expect(r.bandwidthHz).toHaveLength(K);
  const sumB = r.bandwidthHz.reduce((s, b) => s + b, 0);
  expect(sumB).toBeLessThanOrEqual(inst.bandwidthHz * (1 + 1e-9));
  const floors = inst.clients.map(memoryFloor);
  r.rho.forEach((rho, k) => {
    expect(rho).toBeGreaterThanOrEqual(floors[k]! - 1e-12);
    expect(rho).toBeLessThanOrEqual(inst.rhoMax + 1e-12);
    expect(r.bandwidthHz[k]).toBeGreaterThanOrEqual(0);
  });
  const lat = inst.clients.map((_, k) => clientLatency(inst, k, r.rho[k]!, r.bandwidthHz[k]!));
  lat.forEach((t, k) => expect(Math.abs(r.clientLatencyS[k]! / t - 1)).toBeLessThan(1e-9));
  const T = Math.max(...lat);
  expect(Math.abs(r.roundLatencyS / T - 1)).toBeLessThan(1e-9);
  const R = roundsOracle(inst, r.rho);
  expect(Number.isFinite(R)).toBe(true);
  expect(Math.abs(r.rounds / R - 1)).toBeLessThan(1e-9);
  expect(Math.abs(r.totalLatencyS / (R * T) - 1)).toBeLessThan(1e-9);
}

// 50 random instances, K = 2..12 (bcd runs the LP, which is the slow part).
const CASES = Array.from({ length: 50 }, (_, i) => ({ seed: 500 + i, K: 2 + (i % 6) * 2 }));

describe('all solvers on 50 random instances', () => {
  const results = CASES.map(({ seed, K }) => {
    const inst = randomInstance(seed, 'solvers-test', K);
    const out = Object.fromEntries(SOLVER_NAMES.map((s) => [s, solveJcpba(inst, s)])) as Record<
      (typeof SOLVER_NAMES)[number],
      JcpbaResult
    >;
    return { inst, out };
  });

  it('every returned solution is feasible and its figures match the model', () => {
    for (const { inst, out } of results) {
      for (const s of SOLVER_NAMES) expectFeasible(inst, solved(out[s]));
    }
  });

  it('exact is never worse than bcd or any baseline (within its certified tolerance)', () => {
    for (const { out } of results) {
      const ex = solved(out.exact).totalLatencyS;
      for (const s of SOLVER_NAMES) {
        expect(ex).toBeLessThanOrEqual(solved(out[s]).totalLatencyS * (1 + EXACT_TOLERANCE));
      }
    }
  });

  it('plain BCD stalls above the optimum on some instances (coordinate-wise stationary points)', () => {
    const gaps = results.map(({ out }) => solved(out.bcd).totalLatencyS / solved(out.exact).totalLatencyS - 1);
    // BCD cannot be much better than the certified optimum ...
    for (const g of gaps) expect(g).toBeGreaterThan(-EXACT_TOLERANCE);
    // ... and on many instances it stops far above it: the pruning block with the min-max
    // bandwidth fixed sees every client on the critical path, so pruning alone never pays.
    expect(gaps.filter((g) => g > 0.01).length).toBeGreaterThan(5);
  });

  it('bcd reports its iterations and a nonincreasing objective trace', () => {
    for (const { out } of results) {
      const r = solved(out.bcd);
      expect(r.iterations).toBeGreaterThanOrEqual(1);
      expect(r.trace).toHaveLength(r.iterations + 1);
      const tr = r.trace!;
      for (let i = 1; i < tr.length; i++) expect(tr[i]!).toBeLessThanOrEqual(tr[i - 1]! * (1 + 1e-12));
      expect(Math.abs(tr[tr.length - 1]! / r.totalLatencyS - 1)).toBeLessThan(1e-9);
    }
  });

  it('baselines respect their restrictions', () => {
    for (const { inst, out } of results) {
      const floors = inst.clients.map(memoryFloor);
      const share = inst.bandwidthHz / inst.clients.length;
      const eq = solved(out.equal);
      eq.rho.forEach((r, k) => expect(r).toBeCloseTo(floors[k]!, 12));
      eq.bandwidthHz.forEach((b) => expect(b).toBe(share));
      const bw = solved(out['bandwidth-only']);
      bw.rho.forEach((r, k) => expect(r).toBeCloseTo(floors[k]!, 12));
      // min-max bandwidth: every client ends at the same latency
      bw.clientLatencyS.forEach((t) => expect(Math.abs(t / bw.roundLatencyS - 1)).toBeLessThan(1e-9));
      const un = solved(out['uniform-pruning']);
      un.rho.forEach((r) => expect(r).toBe(un.rho[0]));
      expect(un.rho[0]).toBeGreaterThanOrEqual(Math.max(...floors));
      solved(out['pruning-only']).bandwidthHz.forEach((b) => expect(b).toBe(share));
      // bandwidth-only and pruning-only contain the equal allocation (uniform-pruning does not:
      // its one rate must clear the largest floor)
      for (const s of ['bandwidth-only', 'pruning-only'] as const) {
        expect(solved(out[s]).totalLatencyS).toBeLessThanOrEqual(eq.totalLatencyS * (1 + 1e-12));
      }
    }
  });
});


describe('exact against an independent brute-force grid (K = 2, 3)', () => {
  for (const K of [2, 3]) {
    for (let s = 0; s < 4; s++) {
      it(`K = ${K}, seed ${s}: exact within 0.1% of the grid's best and never above it`, () => {
        const inst = randomInstance(900 + s, `brute-${K}`, K);
        const grid = bruteForce(inst);
        const ex = solved(solveJcpba(inst, 'exact'));
        expectFeasible(inst, ex);
        expect(ex.totalLatencyS).toBeLessThanOrEqual(grid * (1 + EXACT_TOLERANCE));
        expect(ex.totalLatencyS).toBeGreaterThanOrEqual(grid * (1 - 1e-3));
      });
    }
  }
});

describe('exact diagnostics', () => {
  it('certifies its tolerance and the optimal T lies in [T_lo, T_hi]', () => {
    for (let s = 0; s < 5; s++) {
      const inst = randomInstance(40 + s, 'diag', 30);
      const { result, diagnostics } = solveExactDetailed(inst);
      expect(diagnostics.certifiedGap).toBeLessThanOrEqual(EXACT_TOLERANCE);
      expect(diagnostics.latencyS).toBeGreaterThanOrEqual(diagnostics.latencyLoS);
      expect(diagnostics.latencyS).toBeLessThanOrEqual(diagnostics.latencyHiS);
      // the allocation meets the T it was solved for
      expect(result.roundLatencyS).toBeLessThanOrEqual(diagnostics.latencyS * (1 + 1e-9));
      expect(result.iterations).toBe(diagnostics.evaluations);
    }
  });

  it('a tighter tolerance never gives a worse answer by more than the looser tolerance', () => {
    const inst = randomInstance(77, 'diag', 8);
    const loose = solveExactDetailed(inst, { tolerance: 1e-3 }).result.totalLatencyS;
    const tight = solveExactDetailed(inst, { tolerance: 1e-7 }).result.totalLatencyS;
    expect(tight).toBeLessThanOrEqual(loose * (1 + 1e-7));
    expect(loose).toBeLessThanOrEqual(tight * (1 + 1e-3));
  });
});

describe('infeasibility', () => {
  const base = () => randomInstance(3, 'infeasible', 4);

  it('names the client whose memory floor is above rhoMax', () => {
    const inst = base();
    inst.clients[2]!.memoryBytes = inst.clients[2]!.fixedMemoryBytes + 0.1 * inst.clients[2]!.prunableMemoryBytes;
    for (const s of SOLVER_NAMES) {
      const r = solveJcpba(inst, s);
      expect(r.status).toBe('infeasible');
      if (r.status === 'infeasible') {
        expect(r.reason).toContain('client 2');
        expect(r.reason).toContain('memory floor');
        expect(r.reason).toContain('rhoMax');
      }
    }
  });

  it('reports an undefined rounds model (beta * rhobar >= epsilon at the floors)', () => {
    const inst = base();
    inst.clients.forEach((c) => (c.memoryBytes = c.fixedMemoryBytes + 0.5 * c.prunableMemoryBytes));
    inst.rounds = { A: 50, epsilon: 0.4, beta: 1 };
    const r = solveJcpba(inst, 'exact');
    expect(r.status).toBe('infeasible');
    if (r.status === 'infeasible') expect(r.reason).toContain('rounds model undefined');
  });

  it('uniform-pruning alone is infeasible when one rate above the largest floor breaks the rounds model', () => {
    const inst = base();
    inst.clients.forEach((c) => (c.memoryBytes = c.fixedMemoryBytes + c.prunableMemoryBytes));
    inst.clients[0]!.memoryBytes = inst.clients[0]!.fixedMemoryBytes + 0.3 * inst.clients[0]!.prunableMemoryBytes;
    inst.rounds = { A: 50, epsilon: 0.5, beta: 0.8 };
    expect(solveJcpba(inst, 'exact').status).toBe('optimal');
    const r = solveJcpba(inst, 'uniform-pruning');
    expect(r.status).toBe('infeasible');
    if (r.status === 'infeasible') expect(r.reason).toContain('client 0');
  });
});

describe('repeated solves (simulation use)', () => {
  it('is deterministic and independent of earlier calls', () => {
    const a = randomInstance(11, 'repeat', 20);
    const b = randomInstance(12, 'repeat', 20);
    const first = solveJcpba(a, 'exact');
    solveJcpba(b, 'exact');
    expect(solveJcpba(a, 'exact')).toEqual(first);
  });
});
