/**
 * The solver's rate-model extension for the simulation's link models: a concave efficiency curve
 * S (rate b S(c/b)) and a per-client SNR ceiling (power control: b S(min(c/b, cap))). Derivatives
 * against central differences, inverse round trips, and on random instances: every allocator
 * feasible, exact at or below all of them and within 0.1% of an independent brute force.
 */
import { describe, expect, it } from 'vitest';
import {
  bandwidthForRateHz,
  rateCurvatureBpsPerHz2,
  rateFunction,
  rateSlopeBpsPerHz,
} from '../../solvers/jcpba/model.js';
import { solveJcpba, EXACT_TOLERANCE } from '../../solvers/jcpba/index.js';
import { randomInstance } from '../../solvers/jcpba/random-instance.js';
import { SOLVER_NAMES, type JcpbaInstance, type JcpbaResult, type JcpbaSolved, type SpectralEfficiencyCurve } from '../../solvers/jcpba/types.js';
import { concaveSurrogate, nrMcsLink } from '../../src/radio/index.js';
import { bruteForce } from './brute-force.js';

/** A smooth concave curve with its derivatives written out here: S = 0.6 log2(1 + x / 2). */
const smooth: SpectralEfficiencyCurve = {
  name: 'smooth',
  value: (x) => 0.6 * Math.log2(1 + x / 2),
  slope: (x) => 0.6 / ((2 + x) * Math.LN2),
  curvature: (x) => -0.6 / ((2 + x) ** 2 * Math.LN2),
  slopeAtZero: 0.3 / Math.LN2,
  max: Infinity,
};

const mcs = nrMcsLink({ table: '256qam', blerTarget: 0.1 });
const ergodicMcs = concaveSurrogate('mcs ergodic', (x) => mcs.rayleighErgodic(x));

describe('curve and ceiling rate models', () => {
  const [p, g, n0] = [0.2, 1e-11, 1.6e-20];
  const c = (p * g) / n0;
  it.each([
    ['smooth, no ceiling', smooth, Infinity],
    ['smooth, ceiling 12 dB', smooth, 10 ** 1.2],
    ['shannon, ceiling 20 dB', 'shannon' as const, 100],
    ['rayleigh-ergodic, ceiling 3 dB', 'rayleigh-ergodic' as const, 10 ** 0.3],
  ])('%s: r = b S(min(c/b, cap)), slope and curvature match central differences', (_n, model, cap) => {
    const r = rateFunction(model);
    const S = (x: number) => (model === smooth ? smooth.value(x) : model === 'shannon' ? Math.log2(1 + x) : NaN);
    for (const b of [1e4, 3e5, 1e6, 1e7, 1e8]) {
      if (model !== 'rayleigh-ergodic') expect(r(b, p, g, n0, cap) / (b * S(Math.min(c / b, cap))) - 1).toBeLessThan(1e-12);
      const h = 1e-4 * b;
      if (Math.abs(b - c / cap) < 2 * h) continue; // the kink of the ceiling
      const fd = (r(b + h, p, g, n0, cap) - r(b - h, p, g, n0, cap)) / (2 * h);
      expect(Math.abs(rateSlopeBpsPerHz(b, c, model, cap) / fd - 1)).toBeLessThan(1e-6);
      const fd2 = (rateSlopeBpsPerHz(b + h, c, model, cap) - rateSlopeBpsPerHz(b - h, c, model, cap)) / (2 * h);
      const k = rateCurvatureBpsPerHz2(b, c, model, cap);
      expect(k).toBeLessThanOrEqual(0);
      expect(Math.abs(k - fd2)).toBeLessThan(1e-5 * Math.abs(fd2) + 1e-18);
    }
  });

  it.each([
    ['smooth', smooth, Infinity],
    ['smooth with a ceiling', smooth, 30],
    ['MCS ergodic surrogate', ergodicMcs, Infinity],
    ['MCS ergodic surrogate with a ceiling', ergodicMcs, 10],
  ])('%s: bandwidthForRateHz inverts the rate (1e-9); the limit c S\'(0) needs c / linearBelow (or Infinity)', (_n, model, cap) => {
    const r = rateFunction(model);
    for (const b of [1e3, 1e5, 2e6, 5e7]) {
      const back = bandwidthForRateHz(r(b, p, g, n0, cap), p, g, n0, model, cap);
      // A flat piece of the surrogate has many bandwidths per rate: the least is returned.
      expect(r(back, p, g, n0, cap) / r(b, p, g, n0, cap)).toBeGreaterThan(1 - 1e-9);
      expect(back).toBeLessThanOrEqual(b * (1 + 1e-9));
    }
    const limit = c * model.slopeAtZero;
    const sat = model.linearBelow ? c / model.linearBelow : Infinity;
    expect(bandwidthForRateHz(limit, p, g, n0, model, cap)).toBe(sat);
    if (sat < Infinity) expect(r(sat, p, g, n0, cap) / limit).toBeCloseTo(1, 12);
    expect(bandwidthForRateHz(limit * (1 + 1e-9), p, g, n0, model, cap)).toBe(Infinity);
  });
});

function solved(r: JcpbaResult): JcpbaSolved {
  if (r.status !== 'optimal') throw new Error(`not solved: ${r.reason}`);
  return r;
}

/** A random instance planned on the MCS ergodic surrogate, with ceilings on half the clients. */
function instance(seed: number, K: number): JcpbaInstance {
  const inst = randomInstance(seed, 'curve-cap', K);
  inst.rateModel = ergodicMcs;
  inst.clients.forEach((c, k) => {
    if (k % 2 === 0) c.snrCap = 10 ** ((5 + 3 * k) / 10);
  });
  return inst;
}

/** The rate written out here: b S(min(p g / (N0 b), cap)). */
const handRate = (inst: JcpbaInstance) => {
  const capOf = new Map(inst.clients.map((c) => [c.channelGain, c.snrCap ?? Infinity]));
  return (b: number, p: number, g: number, n0: number) => (b > 0 ? b * ergodicMcs.value(Math.min((p * g) / (n0 * b), capOf.get(g)!)) : 0);
};

describe('solvers with a curve rate model and SNR ceilings', () => {
  it('20 random instances (K = 2..8): every allocator feasible, latencies recompute, exact <= all', () => {
    for (let seed = 0; seed < 20; seed++) {
      const inst = instance(300 + seed, 2 + (seed % 7));
      const rate = handRate(inst);
      const results = SOLVER_NAMES.map((name) => solved(solveJcpba(inst, name, { bcd: { maxIterations: 5 } })));
      for (const r of results) {
        expect(r.bandwidthHz.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(inst.bandwidthHz * (1 + 1e-9));
        inst.clients.forEach((c, k) => {
          const bits = c.fixedUploadBits + (1 - r.rho[k]!) * c.prunableUploadBits;
          const t = c.downloadS + (c.fixedFlops + (1 - r.rho[k]!) * c.prunableFlops) / c.flopsPerS + bits / rate(r.bandwidthHz[k]!, c.txPowerW, c.channelGain, inst.n0WPerHz);
          expect(Math.abs(r.clientLatencyS[k]! / t - 1)).toBeLessThan(1e-9);
        });
      }
      const exact = results[SOLVER_NAMES.indexOf('exact')]!;
      for (const r of results) expect(exact.totalLatencyS).toBeLessThanOrEqual(r.totalLatencyS * (1 + EXACT_TOLERANCE));
    }
  });

  it.each([0, 1, 2])('K = 2, seed %i: exact within 0.1% of an independent brute force, never above it', (s) => {
    const inst = instance(700 + s, 2);
    const grid = bruteForce(inst, handRate(inst));
    const ex = solved(solveJcpba(inst, 'exact'));
    expect(ex.totalLatencyS).toBeLessThanOrEqual(grid * (1 + EXACT_TOLERANCE));
    expect(ex.totalLatencyS).toBeGreaterThanOrEqual(grid * (1 - 1e-3));
  });
});
