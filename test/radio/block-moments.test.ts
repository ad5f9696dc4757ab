/**
 * Moments of a block's spectral efficiency (src/radio/block-moments.ts) against independent
 * oracles: the closed-form ergodic efficiencies of the link files (E1 for Shannon and attenuated
 * Shannon, sums of exponentials for MCS), moments of the MCS step function restated here from
 * TS 38.214 / the thresholds, and Monte Carlo over the fading generators themselves (N = 2e5, 5
 * standard errors: a correct model fails with probability ~6e-7).
 */
import { describe, expect, it } from 'vitest';
import {
  attenuatedShannonLink,
  MCS_TABLE_256QAM,
  MCS_THRESHOLDS_DB,
  nrMcsLink,
  rayleighBlockGain,
  ricianBlockGain,
  ricianSnr,
  seMoments,
  shannonLink,
  snrLaw,
  type LinkAbstraction,
} from '../../src/radio/index.js';
import { integrate } from '../../src/radio/quadrature.js';

const lin = (db: number) => 10 ** (db / 10);
const N = 200_000;

const mcs = nrMcsLink({ table: '256qam', blerTarget: 0.1 });
const atten = attenuatedShannonLink({ alpha: 0.4, snrMin: lin(-10), snrMax: 2 ** (2 / 0.4) - 1 });

describe('adaptive Gauss-Kronrod quadrature', () => {
  it('integrates smooth, peaked and infinite-range integrands to 1e-10', () => {
    expect(integrate((x, o) => void (o[0] = Math.sin(x)), 0, Math.PI, 1)[0]).toBeCloseTo(2, 10);
    expect(integrate((x, o) => void (o[0] = Math.exp(-x * x)), 0, Infinity, 1, { scale: 1 })[0]).toBeCloseTo(Math.sqrt(Math.PI) / 2, 10);
    // log(1 + 1e4 x) e^-x: the feature at x ~ 1e-4 needs bisection near 0.
    const r = integrate((x, o) => void (o[0] = Math.log1p(1e4 * x) * Math.exp(-x)), 0, Infinity, 1, { scale: 1 })[0]!;
    const want = shannonLink.rayleighErgodic(1e4) * Math.LN2;
    expect(Math.abs(r / want - 1)).toBeLessThan(1e-10);
  });
});

describe('block efficiency moments under Rayleigh fading', () => {
  it.each([
    ['shannon', shannonLink],
    ['attenuated-shannon', atten],
    ['nr-mcs', mcs],
  ] as const)('%s: the mean equals the closed-form ergodic efficiency (all SNRs, with and without a cut)', (_name, link: LinkAbstraction) => {
    for (const db of [-15, -5, 0, 7, 15, 25, 35]) {
      for (const cut of [0, lin(-3), lin(5)]) {
        const s = lin(db);
        const m = seMoments(link, cut, snrLaw({ kind: 'rayleigh' }, [s]));
        expect(Math.abs(m.mean / link.rayleighErgodic(s, cut) - 1)).toBeLessThan(1e-9);
        // pZero: P(sX < max(cut, SINR_MIN)) = 1 - e^(-max(...)/s).
        expect(m.pZero).toBeCloseTo(-Math.expm1(-Math.max(cut, link.minSnr) / s), 12);
      }
    }
  });

  it('nr-mcs: variance, skewness and kurtosis equal those of the step function, sum_m (v_m^j - v_(m-1)^j) e^(-t_m/s)', () => {
    const v = MCS_TABLE_256QAM.map((e) => e.se * 0.9);
    const th = MCS_THRESHOLDS_DB['256qam']['0.1']!.map(lin);
    for (const db of [-3, 6, 14, 24, 32]) {
      const s = lin(db);
      const raw = [1, 2, 3, 4].map((j) => {
        let sum = 0;
        let prev = 0;
        for (let i = 0; i < v.length; i++) {
          sum += (v[i]! ** j - prev ** j) * Math.exp(-th[i]! / s);
          prev = v[i]!;
        }
        return sum;
      });
      const [e1, e2, e3, e4] = raw as [number, number, number, number];
      const variance = e2 - e1 * e1;
      const m3 = e3 - 3 * e1 * e2 + 2 * e1 ** 3;
      const m4 = e4 - 4 * e1 * e3 + 6 * e1 * e1 * e2 - 3 * e1 ** 4;
      const m = seMoments(mcs, 0, snrLaw({ kind: 'rayleigh' }, [s]));
      expect(Math.abs(m.variance / variance - 1)).toBeLessThan(1e-8);
      expect(m.skewness).toBeCloseTo(m3 / variance ** 1.5, 6);
      expect(m.excessKurtosis).toBeCloseTo(m4 / variance ** 2 - 3, 5);
    }
  });

  it.each([-5, 5, 20])('shannon at %i dB: variance and skewness match Monte Carlo over the Rayleigh block generator', (db) => {
    const s = lin(db);
    const x = new Float64Array(N);
    for (let k = 0; k < N; k++) x[k] = Math.log2(1 + s * rayleighBlockGain(12345, k));
    const mc = sampleMoments(x);
    const m = seMoments(shannonLink, 0, snrLaw({ kind: 'rayleigh' }, [s]));
    // SE of the sample variance: sqrt((m4 - sigma^4) / N).
    const m4 = (m.excessKurtosis + 3) * m.variance ** 2;
    expect(Math.abs(mc.variance - m.variance)).toBeLessThan(5 * Math.sqrt((m4 - m.variance ** 2) / N));
    expect(Math.abs(mc.skewness - m.skewness)).toBeLessThan(5 * Math.sqrt(15 / N) * (1 + Math.abs(m.skewness)));
  });

  it('the worst of several Rayleigh receivers is Rayleigh with mean SINR 1 / sum(1 / s_i)', () => {
    const ss = [lin(3), lin(9), lin(15)];
    const law = snrLaw({ kind: 'rayleigh' }, ss);
    const s = 1 / ss.reduce((a, x) => a + 1 / x, 0);
    for (const y of [0.1, 1, 3, 10]) expect(law.survival(y)).toBeCloseTo(Math.exp(-y / s), 14);
    // And against the generator: min of three independent block gains, scaled.
    let below = 0;
    for (let k = 0; k < N; k++) {
      const y = Math.min(ss[0]! * rayleighBlockGain(1, k), ss[1]! * rayleighBlockGain(2, k), ss[2]! * rayleighBlockGain(3, k));
      if (y > 1) below++;
    }
    const p = law.survival(1);
    expect(Math.abs(below / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
  });
});

describe('Rician SINR law (Poisson mixture of gammas)', () => {
  const k = lin(6);
  const s = lin(4);
  const law = ricianSnr(k, s);
  const samples = new Float64Array(N);
  for (let j = 0; j < N; j++) samples[j] = s * ricianBlockGain(777, j, k);

  it('its survival function matches the Rician block generator at every quartile and in the tails', () => {
    const sorted = Float64Array.from(samples).sort();
    for (const q of [0.001, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999]) {
      const y = sorted[Math.floor(q * N)]!;
      const p = law.survival(y);
      expect(Math.abs(p - (1 - q))).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / N) + 1 / N);
    }
  });

  it('its density integrates to 1 and is minus the derivative of the survival', () => {
    const total = integrate((y, o) => void (o[0] = law.pdf(y)), 0, Infinity, 1, { scale: s })[0]!;
    expect(total).toBeCloseTo(1, 9);
    for (const y of [0.3, 2, 5, 12]) {
      const h = 1e-5 * y;
      expect(law.pdf(y)).toBeCloseTo((law.survival(y - h) - law.survival(y + h)) / (2 * h), 6);
    }
    // E[Y] = s (the gain has mean 1).
    const mean = integrate((y, o) => void (o[0] = y * law.pdf(y)), 0, Infinity, 1, { scale: s })[0]!;
    expect(mean / s).toBeCloseTo(1, 9);
  });

  it('moments of each link model match Monte Carlo over the generator; K = 0 is Rayleigh', () => {
    for (const link of [shannonLink, atten, mcs]) {
      const x = new Float64Array(N);
      for (let j = 0; j < N; j++) x[j] = link.spectralEfficiency(samples[j]!);
      const mc = sampleMoments(x);
      const m = seMoments(link, 0, snrLaw({ kind: 'rician', kFactorLinear: k }, [s]));
      expect(Math.abs(mc.mean - m.mean)).toBeLessThan(5 * Math.sqrt(m.variance / N));
      const m4 = (m.excessKurtosis + 3) * m.variance ** 2;
      expect(Math.abs(mc.variance - m.variance)).toBeLessThan(5 * Math.sqrt((m4 - m.variance ** 2) / N));
    }
    const r0 = seMoments(shannonLink, 0, snrLaw({ kind: 'rician', kFactorLinear: 0 }, [s]));
    expect(r0.mean).toBeCloseTo(shannonLink.rayleighErgodic(s), 12);
  });

  it('the worst of two Rician receivers has survival P(Y1 > y) P(Y2 > y) (against the generator)', () => {
    const s2 = lin(8);
    const law2 = snrLaw({ kind: 'rician', kFactorLinear: k }, [s, s2]);
    let above = 0;
    for (let j = 0; j < N; j++) if (Math.min(samples[j]!, s2 * ricianBlockGain(778, j, k)) > 2) above++;
    const p = law2.survival(2);
    expect(Math.abs(above / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
    const total = integrate((y, o) => void (o[0] = law2.pdf(y)), 0, Infinity, 1, { scale: law2.scale })[0]!;
    expect(total).toBeCloseTo(1, 9);
    // Three receivers: the density is minus the derivative of the product survival.
    const law3 = snrLaw({ kind: 'rician', kFactorLinear: k }, [s, s2, lin(1)]);
    for (const y of [0.2, 1, 3]) {
      const h = 1e-5 * y;
      expect(law3.pdf(y)).toBeCloseTo((law3.survival(y - h) - law3.survival(y + h)) / (2 * h), 6);
    }
  });
});

function sampleMoments(x: Float64Array): { mean: number; variance: number; skewness: number } {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let m2 = 0;
  let m3 = 0;
  for (const v of x) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= x.length;
  m3 /= x.length;
  return { mean, variance: m2, skewness: m3 / m2 ** 1.5 };
}
