/**
 * NR numerology: TS 38.101-1 PRB counts, the whole-PRB rounding rule, and clients that wait for a
 * PRB when there are more clients than PRBs (hand-checked timeline).
 */
import { describe, expect, it } from 'vitest';
import { loadObject } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { buildRadio, cappedSplit, prbBandwidthHz, prbCount, roundToPrbs, type WirelessNetwork } from '../../src/radio/index.js';

describe('TS 38.101-1 Table 5.3.2-1 and the PRB size', () => {
  it('spot values of N_RB and 12-subcarrier PRBs', () => {
    // Values as printed in TS 38.101-1 Table 5.3.2-1 (FR1).
    expect(prbCount(5e6, 15e3)).toBe(25);
    expect(prbCount(20e6, 15e3)).toBe(106);
    expect(prbCount(50e6, 15e3)).toBe(270);
    expect(prbCount(20e6, 30e3)).toBe(51);
    expect(prbCount(40e6, 30e3)).toBe(106);
    expect(prbCount(100e6, 30e3)).toBe(273);
    expect(prbCount(10e6, 60e3)).toBe(11);
    expect(prbCount(100e6, 60e3)).toBe(135);
    expect(prbCount(5e6, 60e3)).toBeUndefined(); // not defined at 60 kHz
    expect(prbCount(12e6, 30e3)).toBeUndefined();
    expect(prbBandwidthHz(30e3)).toBe(360e3);
    // The guard band: 51 x 360 kHz = 18.36 MHz of a 20 MHz channel carry data.
    expect(prbCount(20e6, 30e3)! * prbBandwidthHz(30e3)).toBeCloseTo(18.36e6, 3);
  });

  it('a bandwidth the table does not list is rejected with the allowed ones', () => {
    const s = { ...base(1), network: { type: 'wireless', bandwidth: '12 MHz', numerology: { scs: '30 kHz' } } };
    expect(() => loadObject(s)).toThrow(/5, 10, 15, 20.*MHz; found 12000000 Hz/);
    const bad = { ...base(1), network: { type: 'wireless', numerology: { scs: '20 kHz' } } };
    expect(() => loadObject(bad)).toThrow(/15 kHz, 30 kHz or 60 kHz/);
  });
});

describe('roundToPrbs', () => {
  const prb = 180e3;
  it('gives each positive share one PRB, then the excess by largest remainder, never above ceil(b / PRB)', () => {
    // Shares of 2.5, 1.2 and 0.3 PRBs, 4 PRBs: one each, then the 1 left to the largest excess (1.5).
    expect(roundToPrbs([2.5 * prb, 1.2 * prb, 0.3 * prb], prb, 4)).toEqual([2, 1, 1]);
    // Exact multiples stay exact; PRBs nobody asked for stay idle.
    expect(roundToPrbs([3 * prb, 2 * prb], prb, 10)).toEqual([3, 2]);
    expect(roundToPrbs([0, 4 * prb], prb, 5)).toEqual([0, 4]);
  });

  it('with more clients than PRBs, the largest shares get one PRB each (ties: ready time, then index)', () => {
    expect(roundToPrbs([1, 1, 1, 1].map((x) => x * 0.6 * prb), prb, 3)).toEqual([1, 1, 1, 0]);
    expect(roundToPrbs([0.2, 0.9, 0.5].map((x) => x * prb), prb, 2)).toEqual([0, 1, 1]);
    expect(roundToPrbs([0.5, 0.5, 0.5].map((x) => x * prb), prb, 2, [3, 1, 2])).toEqual([0, 1, 1]);
  });

  it('every result fits the band and respects the bounds on random shares', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(rnd() * 30);
      const N = 1 + Math.floor(rnd() * 40);
      const w = Array.from({ length: n }, () => (rnd() < 0.1 ? 0 : rnd()));
      const sw = w.reduce((a, b) => a + b, 0) || 1;
      const shares = w.map((x) => (x / sw) * N * prb);
      const out = roundToPrbs(shares, prb, N);
      expect(out.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(N);
      const positive = shares.filter((b) => b > 0).length;
      out.forEach((k, i) => {
        expect(Number.isInteger(k)).toBe(true);
        expect(k).toBeLessThanOrEqual(Math.ceil(shares[i]! / prb - 1e-9) || 0);
        if (shares[i] === 0) expect(k).toBe(0);
        if (shares[i]! > 0 && positive <= N) expect(k).toBeGreaterThanOrEqual(1);
      });
    }
  });
});

/**
 * n identical clients at 200 m, fading none, a 5 MHz NR channel at 30 kHz: 11 PRBs of 360 kHz.
 * utilisation 1: `compute` is sustained, so 2 TFLOP take exactly 1 s.
 */
function base(n: number) {
  return {
    name: 'prb',
    seed: 2,
    rounds: 1,
    clients: { count: n, compute: '2 TFLOP/s', utilisation: 1, memory: '8 GB', txPower: '23 dBm', distance: '200 m' },
    network: { type: 'wireless', bandwidth: '5 MHz', numerology: { scs: '30 kHz' }, shadowing: { sigma: 0 }, fading: 'none' },
    model: { workload: { flops: '2 TFLOP', upload: '1 MB', download: '0 B' } },
    methods: ['fedavg'],
  };
}

describe('more clients than PRBs', () => {
  const dbm = (x: number) => 10 ** ((x - 30) / 10);
  const g = 10 ** (-(128.1 + 37.6 * Math.log10(0.2)) / 10);
  const b = 360e3;
  const r1 = b * Math.log2(1 + (dbm(23) * g) / (dbm(-174) * 10 ** 0.5 * b));
  const T1 = 8e6 / r1;

  it('15 clients on 11 PRBs: clients 0-10 send on one PRB each, 11-14 wait for the first PRBs freed', async () => {
    const run = await runScenario(loadObject(base(15)));
    const cs = run.clients;
    for (const c of cs) {
      expect(c.status).toBe('ok');
      expect(c.prbs).toBe(1);
      expect(c.bandwidth_hz).toBe(b);
    }
    const first = cs.filter((c) => c.client <= 10);
    const waiting = cs.filter((c) => c.client >= 11);
    for (const c of first) {
      expect(c.wait_s).toBe(0);
      expect(Math.abs(c.t_upload_s! / T1 - 1)).toBeLessThan(1e-9);
    }
    for (const c of waiting) {
      // Ready at 1 s (compute), a PRB frees when the first 11 finish (T1 later), then T1 to send.
      expect(Math.abs(c.wait_s! / T1 - 1)).toBeLessThan(1e-9);
      expect(Math.abs(c.t_upload_s! / (2 * T1) - 1)).toBeLessThan(1e-9);
    }
    expect(Math.abs(run.rounds[0]!.round_latency_s / (1 + 2 * T1) - 1)).toBeLessThan(1e-9);
  });

  it('with a deadline before any PRB frees, the waiting clients are `no-prb`, the others `late`', async () => {
    const s = { ...base(15), round: { mode: 'deadline', deadline: `${1 + 0.5 * T1} s` } };
    const run = await runScenario(loadObject(s));
    expect(run.clients.filter((c) => c.status === 'no-prb').map((c) => c.client)).toEqual([11, 12, 13, 14]);
    expect(run.clients.filter((c) => c.status === 'late').map((c) => c.client)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("JCPBA's continuous shares are rounded to whole PRBs that fit the band", async () => {
    const s = {
      name: 'jcpba-prb',
      seed: 3,
      rounds: 2,
      clients: { count: 6, compute: 'uniform(2 TFLOP/s, 10 TFLOP/s)', memory: '16 GB', distance: 'uniform(50 m, 280 m)' },
      network: { type: 'wireless', bandwidth: '10 MHz', numerology: { scs: '30 kHz' }, linkModel: { kind: 'nr-mcs', table: '256qam' }, fading: { model: 'rayleigh', coherenceTime: '10 ms' } },
      model: { preset: 'gpt2-124m', weights: 'fp32', seqLen: 256, batchSize: 2, localSteps: 4 },
      methods: ['jcpba'],
    };
    const run = await runScenario(loadObject(s));
    for (const round of [1, 2]) {
      const ok = run.clients.filter((c) => c.round === round && c.status === 'ok');
      expect(ok.length).toBeGreaterThan(0);
      let prbs = 0;
      for (const c of ok) {
        expect(Number.isInteger(c.prbs)).toBe(true);
        expect(c.prbs!).toBeGreaterThanOrEqual(1);
        expect(c.bandwidth_hz).toBeCloseTo(c.prbs! * 360e3, 3);
        prbs += c.prbs!;
      }
      expect(prbs).toBeLessThanOrEqual(24); // 10 MHz at 30 kHz
      expect(run.rounds.find((r) => r.round === round)!.planned_latency_s).not.toBeNull();
    }
  });
});

describe('useful share: a power-limited client is not given PRBs that lower its rate', () => {
  it('cappedSplit water-fills around the caps', () => {
    expect(cappedSplit(9, [1, 1, 1], [1, Infinity, Infinity])).toEqual([1, 4, 4]);
    expect(cappedSplit(9, [1, 2, 0], [10, 2, 5])).toEqual([7, 2, 0]);
    expect(cappedSplit(9, [1, 1], [2, 3])).toEqual([2, 3]); // the rest stays unused
  });

  it('the useful share maximises n SE(SINR(n)) over whole PRBs (fading none, nr-mcs)', () => {
    const cfg = loadObject({ ...base(1), network: { type: 'wireless', bandwidth: '20 MHz', numerology: { scs: '30 kHz' }, linkModel: { kind: 'nr-mcs', blerTarget: 0.01 }, shadowing: { sigma: 0 }, fading: 'none' } }).scenario.network as WirelessNetwork;
    const radio = buildRadio(cfg, 1, [{ distanceM: 325, txPowerW: 0.2 }]);
    // Hand argmax: SINR on n PRBs is 51/n times the SINR on 51; SE from the 64QAM table at 1%.
    const se = (x: number) => radio.uplinkLink.spectralEfficiency(x);
    const s51 = radio.uplinkBudget(0, 1, 51 * 360e3).sinr;
    let best = { n: 0, r: 0 };
    for (let n = 1; n <= 51; n++) if (n * se((s51 * 51) / n) > best.r * (1 + 1e-9)) best = { n, r: n * se((s51 * 51) / n) };
    expect(best.n).toBeLessThan(51);
    expect(radio.usefulShareHz(0, 1)).toBe(best.n * 360e3);
    // Shannon without outage keeps growing with the band: no cap.
    const sh = buildRadio({ ...cfg, linkModel: { kind: 'shannon' } }, 1, [{ distanceM: 325, txPowerW: 0.2 }]);
    expect(sh.usefulShareHz(0, 1)).toBe(Infinity);
  });
});
