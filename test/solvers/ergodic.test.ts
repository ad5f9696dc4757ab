/**
 * JCPBA with the Rayleigh ergodic uplink rate (instance.rateModel = 'rayleigh-ergodic'):
 * the rate and its derivatives against an independent quadrature, and every solver against the
 * same checks as the Shannon model (feasibility recomputed with the ergodic rate, exact never
 * worse than the others, exact against an independent brute force on K = 2, 3).
 */
import { bruteForce } from './brute-force.js';
import { describe, expect, it } from 'vitest';
import {
  EXACT_TOLERANCE,
  SOLVER_NAMES,
  parseInstance,
  solveExactDetailed,
  solveJcpba,
  type JcpbaInstance,
  type JcpbaResult,
  type JcpbaSolved,
} from '../../solvers/jcpba/index.js';
import {
  bandwidthForRateHz,
  rateCurvatureBpsPerHz2,
  rateLimitBps,
  rateSlopeBpsPerHz,
  rayleighErgodicRateBps,
} from '../../solvers/jcpba/model.js';
import { clientLatency, memoryFloor, rayleighErgodicRate, rounds as roundsOracle, shannonRate as shannonRateBpsForTest } from './oracle.js';
import { randomInstance } from '../../solvers/jcpba/random-instance.js';

const [P, G, N0] = [0.2, 1e-12, 10 ** (-20.4)];
const C = (P * G) / N0; // p g / N0, Hz

/**
 * E[ln(1 + s X)], X ~ Exp(1), by quadrature: integrating by parts, = int_0^inf e^-t s / (1 + s t) dt;
 * with t = e^v the integrand e^-t s t / (1 + s t) is smooth in v; composite Simpson on
 * v in [-40, ln 60] (the tails are below 1e-16 relative).
 */
function ergodicNatsQuadrature(s: number): number {
  const a = -40;
  const bEnd = Math.log(60);
  const n = 20000;
  const h = (bEnd - a) / n;
  const f = (v: number) => {
    const t = Math.exp(v);
    return (Math.exp(-t) * s * t) / (1 + s * t);
  };
  let sum = f(a) + f(bEnd);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

describe('Rayleigh ergodic rate of an FDMA share', () => {
  const shares = [1e-3, 0.05, 1, 20, 500].map((y) => y * C);

  it('equals b E[log2(1 + c X / b)] (quadrature) over 6 decades of bandwidth', () => {
    for (const b of shares) {
      const expected = (b * ergodicNatsQuadrature(C / b)) / Math.LN2;
      expect(Math.abs(rayleighErgodicRateBps(b, P, G, N0) / expected - 1)).toBeLessThan(1e-9);
    }
    expect(rayleighErgodicRateBps(0, P, G, N0)).toBe(0);
  });

  it("the tests' own e^y E1(y) rate (./oracle.ts, used by the brute force) equals the quadrature too", () => {
    for (const b of [...shares, 1e5 * C]) {
      const expected = (b * ergodicNatsQuadrature(C / b)) / Math.LN2;
      expect(Math.abs(rayleighErgodicRate(b, P, G, N0) / expected - 1)).toBeLessThan(1e-9);
    }
  });

  it('is below the Shannon rate at the same gain (Jensen) and tends to the same limit p g / (N0 ln 2)', () => {
    for (const b of shares) {
      expect(rayleighErgodicRateBps(b, P, G, N0)).toBeLessThan(shannonRateBpsForTest(b, P, G, N0));
    }
    const limit = rateLimitBps(P, G, N0);
    expect(rayleighErgodicRateBps(Infinity, P, G, N0)).toBe(limit);
    // Both are c/ln2 (1 - O(c/b)); at b = 1e6 c the gap to the limit is ~1e-6 (Shannon 0.5e-6, ergodic 1e-6).
    const far = 1e6 * C;
    expect(1 - rayleighErgodicRateBps(far, P, G, N0) / limit).toBeLessThan(2e-6);
    expect(1 - rayleighErgodicRateBps(far, P, G, N0) / limit).toBeGreaterThan(0);
    expect(1 - shannonRateBpsForTest(far, P, G, N0) / limit).toBeLessThan(1e-6);
  });

  it('slope and curvature match central differences; slope > 0 decreasing, curvature < 0 (concave)', () => {
    let prev = Infinity;
    for (const y of [1e-4, 0.02, 0.7, 5, 39, 41, 300, 5e4]) {
      const b = y * C;
      const h = 1e-5 * b;
      const fd1 = (rayleighErgodicRateBps(b + h, P, G, N0) - rayleighErgodicRateBps(b - h, P, G, N0)) / (2 * h);
      const s = rateSlopeBpsPerHz(b, C, 'rayleigh-ergodic');
      // central difference: relative error ~ (h/b)^2 plus rounding ~ 1e-16 r / (h fd1)
      expect(Math.abs(s / fd1 - 1)).toBeLessThan(1e-6);
      const fd2 = (rateSlopeBpsPerHz(b + h, C, 'rayleigh-ergodic') - rateSlopeBpsPerHz(b - h, C, 'rayleigh-ergodic')) / (2 * h);
      const k = rateCurvatureBpsPerHz2(b, C, 'rayleigh-ergodic');
      expect(Math.abs(k / fd2 - 1)).toBeLessThan(1e-6);
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThan(prev);
      expect(k).toBeLessThan(0);
      prev = s;
    }
  });

  it('bandwidthForRateHz inverts it (relative 1e-12), 0 at rate 0, Infinity at and above the limit', () => {
    const limit = rateLimitBps(P, G, N0);
    for (const frac of [1e-9, 1e-4, 0.01, 0.3, 0.7, 0.95, 0.999]) {
      const target = frac * limit;
      const b = bandwidthForRateHz(target, P, G, N0, 'rayleigh-ergodic');
      expect(Math.abs(rayleighErgodicRateBps(b, P, G, N0) / target - 1)).toBeLessThan(1e-12);
      // the ergodic link needs more bandwidth than the Shannon link for the same rate
      expect(b).toBeGreaterThan(bandwidthForRateHz(target, P, G, N0));
    }
    expect(bandwidthForRateHz(0, P, G, N0, 'rayleigh-ergodic')).toBe(0);
    expect(bandwidthForRateHz(limit, P, G, N0, 'rayleigh-ergodic')).toBe(Infinity);
  });
});

function solved(r: JcpbaResult): JcpbaSolved {
  if (r.status !== 'optimal') throw new Error(`expected a solution, got: ${r.reason}`);
  return r;
}

function ergodicInstance(seed: number, name: string, K: number): JcpbaInstance {
  return { ...randomInstance(seed, name, K), rateModel: 'rayleigh-ergodic' };
}

/**
 * Feasibility, with every latency recomputed from the test's own model (./oracle.ts: its own
 * e^y E1(y), memory floor and rounds model).
 */
function expectFeasibleErgodic(inst: JcpbaInstance, r: JcpbaSolved): void {
  const K = inst.clients.length;
  expect(r.rho).toHaveLength(K);
  const sumB = r.bandwidthHz.reduce((s, b) => s + b, 0);
  expect(sumB).toBeLessThanOrEqual(inst.bandwidthHz * (1 + 1e-9));
  const lat = inst.clients.map((c, k) => {
    const rho = r.rho[k]!;
    expect(rho).toBeGreaterThanOrEqual(memoryFloor(c) - 1e-12);
    expect(rho).toBeLessThanOrEqual(inst.rhoMax + 1e-12);
    expect(r.bandwidthHz[k]!).toBeGreaterThanOrEqual(0);
    return clientLatency(inst, k, rho, r.bandwidthHz[k]!);
  });
  lat.forEach((t, k) => expect(Math.abs(r.clientLatencyS[k]! / t - 1)).toBeLessThan(1e-9));
  const T = Math.max(...lat);
  expect(Math.abs(r.roundLatencyS / T - 1)).toBeLessThan(1e-9);
  const R = roundsOracle(inst, r.rho);
  expect(Math.abs(r.totalLatencyS / (R * T) - 1)).toBeLessThan(1e-9);
}

// 30 random instances, K = 2..12.
const CASES = Array.from({ length: 30 }, (_, i) => ({ seed: 700 + i, K: 2 + (i % 6) * 2 }));

describe("all solvers with rateModel 'rayleigh-ergodic' on 30 random instances", () => {
  const results = CASES.map(({ seed, K }) => {
    const inst = ergodicInstance(seed, 'ergodic-test', K);
    const out = Object.fromEntries(SOLVER_NAMES.map((s) => [s, solveJcpba(inst, s)])) as Record<
      (typeof SOLVER_NAMES)[number],
      JcpbaResult
    >;
    return { inst, out };
  });

  it('every solution is feasible and its latencies recompute with the ergodic rate', () => {
    for (const { inst, out } of results) for (const s of SOLVER_NAMES) expectFeasibleErgodic(inst, solved(out[s]));
  });

  it('exact is never worse than bcd or any baseline (within its certified tolerance)', () => {
    for (const { out } of results) {
      const ex = solved(out.exact).totalLatencyS;
      for (const s of SOLVER_NAMES) expect(ex).toBeLessThanOrEqual(solved(out[s]).totalLatencyS * (1 + EXACT_TOLERANCE));
    }
  });

  it('the min-max bandwidth block equalises the ergodic latencies', () => {
    for (const { out } of results) {
      const bw = solved(out['bandwidth-only']);
      bw.clientLatencyS.forEach((t) => expect(Math.abs(t / bw.roundLatencyS - 1)).toBeLessThan(1e-9));
    }
  });

  it('fading costs time: the ergodic optimum is above the Shannon optimum at the same gains', () => {
    for (const { inst, out } of results.slice(0, 10)) {
      const shannon = solved(solveJcpba({ ...inst, rateModel: 'shannon' }, 'exact'));
      expect(solved(out.exact).totalLatencyS).toBeGreaterThan(shannon.totalLatencyS);
      // and the Shannon solution's latencies are those of the Shannon rate
      const shannonInst: JcpbaInstance = { ...inst, rateModel: 'shannon' };
      shannon.rho.forEach((rho, k) =>
        expect(clientLatency(shannonInst, k, rho, shannon.bandwidthHz[k]!) / shannon.clientLatencyS[k]!).toBeCloseTo(1, 9),
      );
    }
  });
});

describe('exact meets the KKT conditions of the ergodic per-T problem', () => {
  /**
   * At its round latency T, exact maximises sum w_k u_k(b_k) over sum b_k = B, where
   * u_k(b) = (r(b) tau_k - S0_k) / (S1_k + r(b) c1_k) is the kept fraction client k affords: every
   * client strictly between its bounds has the same marginal w_k u_k'(b_k) (the bandwidth price).
   * u' is taken here by central differences of the ergodic rate, independently of the solver's
   * analytic derivatives.
   */
  it('equal marginals w u\'(b) across interior clients (relative 1e-5), on 12 instances with K = 8-12', () => {
    let checked = 0;
    for (let i = 0; i < 12; i++) {
      const inst = ergodicInstance(800 + i, 'ergodic-kkt', 8 + (i % 3) * 2);
      const { result, diagnostics } = solveExactDetailed(inst);
      const floors = inst.clients.map(memoryFloor);
      const T = diagnostics.latencyS;
      const marginals: number[] = [];
      inst.clients.forEach((c, k) => {
        const rho = result.rho[k]!;
        if (!(rho > floors[k]! + 1e-6 && rho < inst.rhoMax - 1e-6)) return;
        const tau = T - c.downloadS - c.fixedFlops / c.flopsPerS;
        const c1 = c.prunableFlops / c.flopsPerS;
        const u = (b: number) => {
          const r = rayleighErgodicRate(b, c.txPowerW, c.channelGain, inst.n0WPerHz);
          return (r * tau - c.fixedUploadBits) / (c.prunableUploadBits + r * c1);
        };
        const b = result.bandwidthHz[k]!;
        const h = 1e-4 * b;
        marginals.push((c.weight * (u(b + h) - u(b - h))) / (2 * h));
      });
      if (marginals.length < 2) continue;
      checked++;
      expect(Math.max(...marginals) / Math.min(...marginals) - 1).toBeLessThan(1e-5);
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });
});

describe('exact certifies its tolerance with the ergodic rate', () => {
  it('K = 30 and 100', () => {
    for (const K of [30, 100]) {
      const { result, diagnostics } = solveExactDetailed(ergodicInstance(41, 'ergodic-diag', K));
      expect(diagnostics.certifiedGap).toBeLessThanOrEqual(EXACT_TOLERANCE);
      expect(result.roundLatencyS).toBeLessThanOrEqual(diagnostics.latencyS * (1 + 1e-9));
    }
  });
});


describe('ergodic exact against an independent brute-force grid (K = 2, 3)', () => {
  for (const K of [2, 3]) {
    for (let s = 0; s < 3; s++) {
      it(`K = ${K}, seed ${s}: exact within 0.1% of the grid's best and never above it`, () => {
        const inst = ergodicInstance(950 + s, `ergodic-brute-${K}`, K);
        const grid = bruteForce(inst);
        const ex = solved(solveJcpba(inst, 'exact'));
        expectFeasibleErgodic(inst, ex);
        expect(ex.totalLatencyS).toBeLessThanOrEqual(grid * (1 + EXACT_TOLERANCE));
        expect(ex.totalLatencyS).toBeGreaterThanOrEqual(grid * (1 - 1e-3));
      });
    }
  }
});

describe('instance files: rateModel', () => {
  const text = (extra: string) => `
bandwidthHz: 20 MHz
noisePsdDbmPerHz: -174
rhoMax: 0.8
rounds: { A: 50, epsilon: 1, beta: 0.8 }
${extra}
clients:
  - { flopsPerS: 2e12, prunableFlops: 2e13, prunableUploadBits: 3.2e9, txPowerDbm: 23, channelGain: 3.1e-12, memoryBytes: 8e9, prunableMemoryBytes: 1.2e10 }
`;
  it("defaults to 'shannon', accepts 'rayleigh-ergodic', rejects anything else naming the field", () => {
    expect(parseInstance(text(''), 'a.yaml').rateModel).toBe('shannon');
    expect(parseInstance(text('rateModel: rayleigh-ergodic'), 'b.yaml').rateModel).toBe('rayleigh-ergodic');
    expect(() => parseInstance(text('rateModel: rician'), 'c.yaml')).toThrow(/rateModel/);
  });
});
