/**
 * Statistical checks of the random channel models against theory: fixed seeds, N = 2e5 samples,
 * tolerance 5 standard errors of the estimator (so a correct model fails with probability ~6e-7).
 */
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../src/random/index.js';
import {
  LogNormalShadowing,
  makeFadingProcess,
  rayleighErgodicCapacityBpsPerHz,
  rayleighOutageProbability,
} from '../../src/radio/index.js';
import { dbToLinear } from '../../src/scenario/units.js';

const N = 200_000;

function meanSd(xs: ArrayLike<number>): { mean: number; sd: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(v / (xs.length - 1)) };
}

/** N consecutive block gains of one client's fading process. */
function blockGains(model: 'rayleigh' | 'rician', seed: number, kFactorLinear = 0): Float64Array {
  const spec =
    model === 'rayleigh'
      ? ({ model, coherenceTimeS: 0.01 } as const)
      : ({ model, coherenceTimeS: 0.01, kFactorLinear } as const);
  const f = makeFadingProcess(spec, RandomStream.of(seed, 'radio', 'fading', 'uplink', 0));
  const out = new Float64Array(N);
  for (let k = 0; k < N; k++) out[k] = f.gainAt(k * 0.01 + 0.005);
  return out;
}

describe('Rayleigh block fading', () => {
  const g = blockGains('rayleigh', 11);

  it('has mean power gain 1 (Exp(1): sd 1)', () => {
    const { mean } = meanSd(g);
    expect(Math.abs(mean - 1)).toBeLessThan(5 / Math.sqrt(N));
  });

  it('has variance 1 (Exp(1))', () => {
    const { sd } = meanSd(g);
    // Var of the sample variance of Exp(1): (mu4 - sigma^4) / n = (9 - 1) / n.
    expect(Math.abs(sd * sd - 1)).toBeLessThan(5 * Math.sqrt(8 / N));
  });

  it.each([-5, 0, 10, 20])('ergodic capacity E[log2(1 + snr X)] matches exp(1/snr) E1(1/snr) / ln 2 at %i dB', (snrDb) => {
    const snr = dbToLinear(snrDb);
    const c = new Float64Array(N);
    for (let i = 0; i < N; i++) c[i] = Math.log2(1 + snr * g[i]!);
    const { mean, sd } = meanSd(c);
    expect(Math.abs(mean - rayleighErgodicCapacityBpsPerHz(snr))).toBeLessThan((5 * sd) / Math.sqrt(N));
  });

  it.each([
    [0, 10],
    [-5, 5],
    [3, 0],
  ])('outage probability at threshold %i dB, mean SNR %i dB is 1 - exp(-th/snr)', (thDb, snrDb) => {
    const th = dbToLinear(thDb);
    const snr = dbToLinear(snrDb);
    let out = 0;
    for (let i = 0; i < N; i++) if (snr * g[i]! < th) out++;
    const p = rayleighOutageProbability(th, snr);
    expect(Math.abs(out / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
  });

  it('keeps a gain within a block and draws independent gains across clients', () => {
    const spec = { model: 'rayleigh', coherenceTimeS: 0.01 } as const;
    const a = makeFadingProcess(spec, RandomStream.of(1, 'radio', 'fading', 'uplink', 0));
    const b = makeFadingProcess(spec, RandomStream.of(1, 'radio', 'fading', 'uplink', 1));
    const g0 = a.gainAt(0.0001);
    expect(a.gainAt(0.0099)).toBe(g0);
    expect(a.gainAt(0.0101)).not.toBe(g0);
    expect(b.gainAt(0.0001)).not.toBe(g0);
    // Blocks are random access: going back to block 0 gives its gain again.
    expect(a.gainAt(0)).toBe(g0);
    // Correlation of two clients' gains over N blocks is ~0 (SE 1/sqrt(N)).
    const ga = blockGains('rayleigh', 5);
    const spec2 = makeFadingProcess(spec, RandomStream.of(5, 'radio', 'fading', 'uplink', 1));
    let cov = 0;
    for (let k = 0; k < N; k++) cov += (ga[k]! - 1) * (spec2.gainOfBlock(k) - 1);
    expect(Math.abs(cov / N)).toBeLessThan(5 / Math.sqrt(N));
  });
});

describe('Rician block fading', () => {
  it.each([0, 6, 10])('K = %i dB: mean power gain 1 and variance (2K + 1) / (K + 1)^2', (kDb) => {
    const K = dbToLinear(kDb);
    const g = blockGains('rician', 21, K);
    const { mean, sd } = meanSd(g);
    expect(Math.abs(mean - 1)).toBeLessThan((5 * sd) / Math.sqrt(N));
    // Fourth central moment from the sample, for the SE of the sample variance.
    let m4 = 0;
    for (let i = 0; i < N; i++) m4 += (g[i]! - mean) ** 4;
    m4 /= N;
    const varWant = (2 * K + 1) / (K + 1) ** 2;
    expect(Math.abs(sd * sd - varWant)).toBeLessThan(5 * Math.sqrt((m4 - sd ** 4) / N));
    // Moment estimator of K (Greenstein et al. 1999): K = sqrt(1 - g) / (1 - sqrt(1 - g)), g = Var / mean^2.
    const s = Math.sqrt(1 - (sd * sd) / (mean * mean));
    if (kDb > 0) expect(s / (1 - s) / K).toBeCloseTo(1, 1);
  });
});

describe('log-normal shadowing', () => {
  it('per-client: sample sd of the dB values over clients is sigma, mean 0', () => {
    const sh = new LogNormalShadowing(7, 8, 'per-client');
    const xs = new Float64Array(N);
    for (let i = 0; i < N; i++) xs[i] = sh.lossDb(i, 0);
    const { mean, sd } = meanSd(xs);
    expect(Math.abs(mean)).toBeLessThan((5 * 8) / Math.sqrt(N));
    // SE of the sample sd of a normal: sigma / sqrt(2 (n - 1)).
    expect(Math.abs(sd - 8)).toBeLessThan((5 * 8) / Math.sqrt(2 * (N - 1)));
    // Fixed across rounds.
    expect(sh.lossDb(3, 0)).toBe(sh.lossDb(3, 17));
  });

  it('per-round: independent draws per round with sd sigma', () => {
    const sh = new LogNormalShadowing(7, 6, 'per-round');
    const xs = new Float64Array(N);
    for (let r = 0; r < N; r++) xs[r] = sh.lossDb(4, r);
    const { mean, sd } = meanSd(xs);
    expect(Math.abs(mean)).toBeLessThan((5 * 6) / Math.sqrt(N));
    expect(Math.abs(sd - 6)).toBeLessThan((5 * 6) / Math.sqrt(2 * (N - 1)));
    expect(sh.lossDb(4, 1)).toBe(xs[1]);
  });

  it('sigma 0 gives no shadowing', () => {
    expect(new LogNormalShadowing(1, 0, 'per-round').lossDb(0, 0)).toBe(0);
  });
});
