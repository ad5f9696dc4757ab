/**
 * The link abstractions against their sources' tables and formulas, their closed-form Rayleigh
 * ergodic efficiencies against numerical integration, the no-link bound, the concave surrogate,
 * and the broadcast coded across blocks.
 */
import { describe, expect, it } from 'vitest';
import {
  MCS_TABLE_256QAM,
  MCS_TABLE_64QAM,
  attenuatedShannonLink,
  attenuatedShannonParams,
  broadcastTimeline,
  concaveSurrogate,
  isHopeless,
  linkHopeless,
  linkRateUpperBoundBps,
  nrMcsLink,
  shannonLink,
  TraceFading,
  type LinkAbstraction,
} from '../../src/radio/index.js';
import { loadObject } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';

const lin = (db: number) => 10 ** (db / 10);

/**
 * E[f(s X)], X ~ Exp(1), by composite Simpson on geometrically spaced knots in [1e-12, 60] (plus
 * the breakpoints of f, so each panel is smooth); the mass below 1e-12 is below 1e-12 x f(s 1e-12).
 */
function expectation(f: (x: number) => number, s: number, breaks: readonly number[] = []): number {
  const geo = Array.from({ length: 601 }, (_, i) => 1e-12 * (60 / 1e-12) ** (i / 600));
  const knots = [...geo, ...breaks.map((b) => b / s).filter((x) => x > 1e-12 && x < 60)].sort((a, b) => a - b);
  let sum = 0;
  for (let k = 0; k + 1 < knots.length; k++) {
    const [a, b] = [knots[k]!, knots[k + 1]!];
    if (!(b > a)) continue;
    const n = 16;
    const h = (b - a) / n;
    // Keep each panel's ends just inside it, so a jump at a knot takes the right side's value.
    const g = (x: number) => f(s * Math.min(b * (1 - 1e-13), Math.max(a * (1 + 1e-13), x))) * Math.exp(-x);
    let acc = g(a) + g(b);
    for (let i = 1; i < n; i++) acc += (i % 2 ? 4 : 2) * g(a + i * h);
    sum += (acc * h) / 3;
  }
  return sum;
}

describe('TS 38.214 MCS tables', () => {
  it('have 29 (64QAM) and 28 (256QAM) entries with SE = Qm R / 1024 to the printed 4 decimals', () => {
    expect(MCS_TABLE_64QAM).toHaveLength(29);
    expect(MCS_TABLE_256QAM).toHaveLength(28);
    for (const m of [...MCS_TABLE_64QAM, ...MCS_TABLE_256QAM]) expect(Math.abs(m.se - (m.qm * m.rateX1024) / 1024)).toBeLessThan(6e-5);
    // Spot entries as printed in TS 38.214: Table 5.1.3.1-1 MCS 28 = (6, 948, 5.5547);
    // Table 5.1.3.1-2 MCS 20 = (8, 682.5, 5.3320), MCS 27 = (8, 948, 7.4063).
    expect(MCS_TABLE_64QAM[28]).toEqual({ qm: 6, rateX1024: 948, se: 5.5547 });
    expect(MCS_TABLE_256QAM[20]).toEqual({ qm: 8, rateX1024: 682.5, se: 5.332 });
    expect(MCS_TABLE_256QAM[27]).toEqual({ qm: 8, rateX1024: 948, se: 7.4063 });
  });

  it('nr-mcs picks the highest MCS whose threshold is met, x (1 - BLER), 0 below MCS 0', () => {
    const l = nrMcsLink({ table: '256qam', blerTarget: 0.1 });
    expect(l.spectralEfficiency(lin(-0.96))).toBe(0);
    expect(l.spectralEfficiency(lin(-0.95))).toBeCloseTo(0.2344 * 0.9, 12);
    expect(l.spectralEfficiency(lin(14.93))).toBeCloseTo(3.6094 * 0.9, 12); // MCS 14 at its threshold
    expect(l.spectralEfficiency(lin(14.92))).toBeCloseTo(3.3223 * 0.9, 12);
    expect(l.spectralEfficiency(lin(60))).toBeCloseTo(7.4063 * 0.9, 12);
    const own = nrMcsLink({ table: '64qam', blerTarget: 0.2, thresholdsDb: MCS_TABLE_64QAM.map((_, i) => i) });
    expect(own.spectralEfficiency(lin(3.5))).toBeCloseTo(0.4902 * 0.8, 12);
  });

  it('rejects a BLER target without derived thresholds, and decreasing thresholds', () => {
    const s = (linkModel: unknown) => ({ name: 'x', seed: 1, rounds: 1, clients: { count: 1, compute: '1 TFLOP/s', memory: '1 GB' }, network: { type: 'wireless', linkModel }, model: { workload: { flops: 1, upload: 1, download: 1 } }, methods: ['fedavg'] });
    expect(() => loadObject(s({ kind: 'nr-mcs', blerTarget: 0.05 }))).toThrow(/BLER targets 0.1 and 0.01/);
    expect(() => loadObject(s({ kind: 'nr-mcs', table: '256qam', thresholds: MCS_TABLE_256QAM.map((_, i) => 28 - i) }))).toThrow(/nondecreasing/);
    expect(() => loadObject(s({ kind: 'attenuated-shannon', snrMax: '20 dB', seMax: 3 }))).toThrow(/snrMax or seMax/);
  });
});

describe('Rayleigh-ergodic efficiencies in closed form (vs Simpson integration)', () => {
  const models: [string, LinkAbstraction][] = [
    ['shannon', shannonLink],
    ['attenuated-shannon (uplink baseline)', attenuatedShannonLink(attenuatedShannonParams({}, 'uplink'))],
    ['attenuated-shannon (custom)', attenuatedShannonLink(attenuatedShannonParams({ alpha: 0.75, snrMin: -3, snrMax: 12 }, 'downlink'))],
    ['nr-mcs 64qam', nrMcsLink({ table: '64qam', blerTarget: 0.1 })],
    ['nr-mcs 256qam', nrMcsLink({ table: '256qam', blerTarget: 0.01 })],
  ];
  for (const [name, l] of models) {
    it.each([-5, 5, 15, 30])(`${name} at %i dB mean SINR, with and without a 3 dB cut`, (snrDb) => {
      const s = lin(snrDb);
      for (const cut of [0, lin(3)]) {
        const f = (x: number) => (x < cut ? 0 : l.spectralEfficiency(x));
        const want = expectation(f, s, [...l.breakpoints, cut]);
        expect(Math.abs(l.rayleighErgodic(s, cut) - want)).toBeLessThan(1e-6 * Math.max(1, want));
      }
    });
  }
});

describe('no-link bound', () => {
  it('bounds the ergodic rate of every model on every share of the band (Rayleigh)', () => {
    const links = [shannonLink, attenuatedShannonLink(attenuatedShannonParams({}, 'uplink')), nrMcsLink({ table: '256qam', blerTarget: 0.1 })];
    for (const l of links) {
      for (const cutDb of [-Infinity, 0, 20]) {
        const cut = cutDb === -Infinity ? 0 : lin(cutDb);
        for (const c of [1e3, 1e6, 1e9, 1e12]) {
          const bound = linkRateUpperBoundBps(20e6, c, l, cut);
          for (const b of [1e3, 1e5, 1e6, 2e7]) expect(b * l.rayleighErgodic(c / b, cut)).toBeLessThanOrEqual(bound * (1 + 1e-12));
        }
      }
    }
    // An unreachable outage threshold makes the bound vanish.
    expect(linkRateUpperBoundBps(20e6, 1e9, shannonLink, lin(1000))).toBeLessThan(1e-80);
  });

  it('with the Rayleigh tail and a smallest share of one PRB it still bounds the ergodic rate on every share it allows', () => {
    const rayleigh = (x: number) => Math.exp(-x);
    const prb = 360e3;
    const links = [attenuatedShannonLink(attenuatedShannonParams({}, 'uplink')), nrMcsLink({ table: '256qam', blerTarget: 0.1 }), nrMcsLink({ table: '64qam', blerTarget: 0.1 })];
    for (const l of links) {
      for (const c of [1e2, 1e4, 1e6, 1e9, 1e12]) {
        const bound = linkRateUpperBoundBps(20e6, c, l, 0, prb, rayleigh);
        expect(bound).toBeLessThanOrEqual(linkRateUpperBoundBps(20e6, c, l) * (1 + 1e-12));
        for (const b of [prb, 2 * prb, 1e6, 5e6, 2e7]) expect(b * l.rayleighErgodic(c / b, 0)).toBeLessThanOrEqual(bound * (1 + 1e-9));
      }
    }
  });

  it('the shortcut (one share that carries the bits) gives the verdict of the full bound everywhere', () => {
    const laws: [string, (x: number) => number][] = [['rayleigh', (x) => Math.exp(-x)], ['none', (x) => (x <= 1 ? 1 : 0)]];
    const l = nrMcsLink({ table: '64qam', blerTarget: 0.1 });
    for (const [, survival] of laws) {
      for (const c of [1e2, 3e3, 1e4, 1e5, 1e6, 1e8]) {
        for (const bits of [1e3, 1e6, 1e9, 1e12]) {
          const full = isHopeless(bits, linkRateUpperBoundBps(10e6, c, l, 0, 360e3, survival));
          expect(linkHopeless(bits, 10e6, c, l, 0, 360e3, survival), `c ${c}, bits ${bits}`).toBe(full);
        }
      }
    }
  });

  it('defect: a -20 dB client on a PRB grid was not no-link (Chebyshev over any share), and its upload walked a shared band for minutes', () => {
    // The fuzz case: -23 dBm at 260 m, mean SINR -19.7 dB on 2 PRBs, so c = 720 kHz x 10^-1.97.
    const l = nrMcsLink({ table: '64qam', blerTarget: 0.1 });
    const c = 720e3 * lin(-19.7);
    const prb = 360e3;
    const m = l.minSnr;
    // Its peak c / m lies below one PRB, so the bound is at one PRB: SE_max b e^{-m b / c} (Rayleigh).
    expect(c / m).toBeLessThan(prb);
    const exact = l.maxSpectralEfficiency * prb * Math.exp((-m * prb) / c);
    expect(linkRateUpperBoundBps(20e6, c, l, 0, prb, (x) => Math.exp(-x))).toBeCloseTo(exact, 20);
    expect(exact).toBeLessThan(1e-9);
    // Chebyshev alone allowed ~kbit/s: a 1 Mbit update was not hopeless, now it is.
    expect(isHopeless(1e6, linkRateUpperBoundBps(20e6, c, l))).toBe(false);
    expect(isHopeless(1e6, exact)).toBe(true);
    // Without fading (X = 1) the peak is at b = c / m: SE_max c / m, above one PRB's share only if c / m is.
    const flat = linkRateUpperBoundBps(20e6, 1e6, l, 0, 0, (x) => (x <= 1 ? 1 : 0));
    expect(Math.abs(flat / ((l.maxSpectralEfficiency * 1e6) / m) - 1)).toBeLessThan(1e-8); // the search's tolerance
  });
});

describe('concave surrogate', () => {
  it('is concave, nondecreasing, on or above the staircase, and equal to it at MCS corners on the hull', () => {
    const l = nrMcsLink({ table: '256qam', blerTarget: 0.1 });
    const S = concaveSurrogate('mcs', (x) => l.spectralEfficiency(x), l.breakpoints);
    for (let db = -30; db <= 60; db += 0.01) {
      const x = lin(db);
      expect(S.value(x)).toBeGreaterThanOrEqual(l.spectralEfficiency(x) - 1e-12);
    }
    for (let i = 1; i + 1 < S.xs.length; i++) {
      const left = (S.ys[i]! - S.ys[i - 1]!) / (S.xs[i]! - S.xs[i - 1]!);
      const right = (S.ys[i + 1]! - S.ys[i]!) / (S.xs[i + 1]! - S.xs[i]!);
      expect(right).toBeLessThanOrEqual(left + 1e-12);
      expect(right).toBeGreaterThanOrEqual(0);
      expect(S.value(S.xs[i]!)).toBeCloseTo(l.spectralEfficiency(S.xs[i]!), 12);
    }
    expect(S.max).toBeCloseTo(7.4063 * 0.9, 12);
    // The top MCS threshold is on the hull: the surrogate reaches the peak exactly there.
    expect(S.value(lin(27.25))).toBeCloseTo(7.4063 * 0.9, 12);
    // A concave curve is its own majorant (up to the sampling).
    const sh = concaveSurrogate('log', (x) => Math.log2(1 + x));
    for (const db of [-20, 0, 10, 30]) expect(Math.abs(sh.value(lin(db)) / Math.log2(1 + lin(db)) - 1)).toBeLessThan(1e-4);
  });
});

describe('broadcast coding', () => {
  it('across-blocks: the worst receiver\'s ergodic rate, constant; per-block: the worst block rate', () => {
    const B = 1e6;
    const rx = [
      { largeScaleGain: 1, fading: new TraceFading(1, [0.5, 2]) },
      { largeScaleGain: 0.25, fading: new TraceFading(1, [3, 1]) },
    ];
    const ergodic = (g: number) => B * expectation((x) => Math.log2(1 + x), (10 * g) / B);
    const across = broadcastTimeline({ startS: 0, bits: 3e6, bandwidthHz: B, txPowerW: 10, noisePsdWPerHz: 1e-6, receivers: rx, coding: 'across-blocks', ergodicBps: ergodic });
    expect(across.endS).toBeCloseTo(3e6 / Math.min(ergodic(1), ergodic(0.25)), 6);
    // Per block: SNR per unit gain 10; block 0 min gain min(0.5, 0.75) = 0.5, block 1 min(2, 0.25) = 0.25.
    const per = broadcastTimeline({ startS: 0, bits: 3e6, bandwidthHz: B, txPowerW: 10, noisePsdWPerHz: 1e-6, receivers: rx });
    const r0 = B * Math.log2(1 + 5);
    const r1 = B * Math.log2(1 + 2.5);
    const want = r0 + r1 >= 3e6 ? (3e6 <= r0 ? 3e6 / r0 : 1 + (3e6 - r0) / r1) : NaN;
    expect(per.endS).toBeCloseTo(want, 12);
  });

  it('in a run: across-blocks download = bits / min_k B E[log2(1 + s_k X)]', async () => {
    const s = {
      name: 'bc', seed: 4, rounds: 1,
      clients: { count: 2, compute: '2 TFLOP/s', memory: '8 GB', distance: ['100 m', '250 m'] },
      network: { type: 'wireless', bandwidth: '10 MHz', shadowing: { sigma: 0 }, fading: { model: 'rayleigh', coherenceTime: '10 ms' }, downlink: { coding: 'across-blocks' } },
      model: { workload: { flops: '2 TFLOP', upload: '0 B', download: '50 MB' } },
      methods: ['fedavg'],
    };
    const run = await runScenario(loadObject(s));
    const dbm = (x: number) => 10 ** ((x - 30) / 10);
    const snr = (d: number) => (dbm(46) * 10 ** (-(128.1 + 37.6 * Math.log10(d / 1000)) / 10)) / (dbm(-174) * 10 ** 0.9 * 10e6);
    const rate = 10e6 * expectation((x) => Math.log2(1 + x), snr(250));
    for (const c of run.clients) expect(Math.abs(c.t_download_s! / (4e8 / rate) - 1)).toBeLessThan(1e-6);
    expect(() => loadObject({ ...s, network: { ...s.network, fading: { model: 'rician' } } })).toThrow(/across-blocks/);
  });
});
