/**
 * Energy of late clients in deadline rounds, by hand: a client still computing at the deadline
 * has spent compute power x (deadline - end of its download) and sent nothing; a client still
 * uploading has spent its whole compute energy plus tx power x (deadline - start of its upload);
 * a client on time spends compute energy plus tx power x its airtime. No fading and no shadowing,
 * so every rate is a closed-form Shannon rate (3GPP macro path loss).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/simulation/scenario.js';
import { loadObject } from '../helpers/scenario.js';

const dbm = (x: number) => 10 ** ((x - 30) / 10);
const gain = (m: number) => 10 ** (-(128.1 + 37.6 * Math.log10(m / 1000)) / 10);
const n0 = dbm(-174) * 10 ** 0.9; // 9 dB noise figure
const B = 10e6;
const shannon = (b: number, p: number, g: number) => b * Math.log2(1 + (p * g) / (n0 * b));

const scenario = {
  name: 'late-energy',
  seed: 1,
  rounds: 2,
  clients: {
    count: 3,
    compute: ['20 TFLOP/s', '0.2 TFLOP/s', '20 TFLOP/s'],
    utilisation: 1, // `compute` is the sustained speed: compute time = FLOPs / compute, as the hand formulas say
    memory: '8 GB',
    txPower: ['23 dBm', '23 dBm', '0 dBm'],
    distance: ['100 m', '100 m', '300 m'],
    computePower: ['5 W', '7 W', '9 W'],
  },
  network: {
    type: 'wireless',
    bandwidth: '10 MHz',
    downlink: { txPower: '46 dBm', mode: 'broadcast' },
    pathLoss: { model: '3gpp-macro' },
    shadowing: { sigma: '0 dB' },
    fading: { model: 'none' },
    noise: { psd: '-174 dBm/Hz', figure: '9 dB' },
  },
  model: { workload: { flops: '4 TFLOP', upload: '10 MB', download: '40 MB' } },
  methods: ['fedavg'],
  round: { mode: 'deadline', deadline: '10 s', aggregationTime: '1 s' },
};

describe('energy of late clients in deadline rounds (hand-checked)', () => {
  it('computing, uploading and on-time clients are charged up to the deadline only', async () => {
    const run = await runScenario(loadObject(scenario));
    // Broadcast download at the worst receiver (300 m), same for everyone.
    const down = (8 * 40e6) / shannon(B, dbm(46), gain(300));
    // Clients 0 and 2 finish computing before the deadline and share the uplink equally.
    const up0 = (8 * 10e6) / shannon(B / 2, dbm(23), gain(100));
    const compute0 = 4e12 / 20e12;
    expect(down + compute0 + up0).toBeLessThan(10); // client 0 is on time
    expect(down + 4e12 / 0.2e12).toBeGreaterThan(10); // client 1 is still computing at the deadline
    expect(down + compute0 + (8 * 10e6) / shannon(B / 2, dbm(0), gain(300))).toBeGreaterThan(10); // client 2 still uploading
    const expected = [
      5 * compute0 + dbm(23) * up0,
      7 * (10 - down), // compute cut at the deadline, nothing sent
      9 * compute0 + dbm(0) * (10 - down - compute0), // uploads from down + compute until the deadline
    ];
    for (const round of [1, 2]) {
      const cs = run.clients.filter((c) => c.round === round).sort((a, b) => a.client - b.client);
      expect(cs.map((c) => c.status)).toEqual(['ok', 'late', 'late']);
      cs.forEach((c, k) => expect(c.energy_j! / expected[k]! - 1, `round ${round} client ${k}`).toBeCloseTo(0, 9));
      const r = run.rounds.find((x) => x.round === round)!;
      expect(r.round_latency_s).toBeCloseTo(11, 9);
      expect(r.energy_j / expected.reduce((a, e) => a + e, 0)).toBeCloseTo(1, 9);
    }
  });
});
