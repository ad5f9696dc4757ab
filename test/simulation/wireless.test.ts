import { describe, expect, it } from 'vitest';
import { loadObject as load } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';


const dbm = (x: number) => 10 ** ((x - 30) / 10);

// One client at 250 m, no shadowing, no fading: every rate is a closed-form Shannon rate.
const oneClient = {
  name: 'w1',
  seed: 1,
  rounds: 2,
  clients: { count: 1, compute: '2 TFLOP/s', utilisation: 1, memory: '8 GB', txPower: '23 dBm', distance: '250 m' },
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
};

describe('wireless rounds', () => {
  it('round latency = download + compute + upload at the Shannon rates (1e-9 relative)', async () => {
    const run = await runScenario(load(oneClient));
    const lossDb = 128.1 + 37.6 * Math.log10(0.25);
    const g = 10 ** (-lossDb / 10);
    const n0 = dbm(-174) * 10 ** 0.9;
    const B = 10e6;
    const up = B * Math.log2(1 + (dbm(23) * g) / (n0 * B));
    const down = B * Math.log2(1 + (dbm(46) * g) / (n0 * B));
    const expected = (8 * 40e6) / down + 4e12 / 2e12 + (8 * 10e6) / up;
    for (const r of run.rounds) expect(Math.abs(r.round_latency_s - expected) / expected).toBeLessThan(1e-9);
    const c = run.clients[0]!;
    expect(c.pathloss_db).toBeCloseTo(lossDb, 12);
    expect(c.bandwidth_hz).toBe(B);
    expect(c.rate_bps! / up).toBeCloseTo(1, 9);
    expect(c.snr_db).toBeCloseTo(10 * Math.log10((dbm(23) * g) / (n0 * B)), 9);
    // Transmit energy = tx power x airtime (compute power defaults to 5 W).
    expect(c.energy_j).toBeCloseTo(5 * 2 + dbm(23) * ((8 * 10e6) / up), 6);
  });

  it('equal bandwidth shares split the uplink; fading realisations are the same for every method', async () => {
    const s = structuredClone(oneClient) as any;
    s.clients = { count: 4, compute: '2 TFLOP/s', memory: '8 GB', distance: 'uniform(50 m, 400 m)' };
    s.network.fading = { model: 'rayleigh', coherenceTime: '10 ms' };
    s.methods = ['fedavg', { id: 'fedavg', label: 'again' }];
    const run = await runScenario(load(s));
    const a = run.clients.filter((c) => c.method === 'fedavg');
    const b = run.clients.filter((c) => c.method === 'again');
    expect(a.every((c) => c.bandwidth_hz === 2.5e6)).toBe(true);
    expect(a.map((c) => c.t_upload_s)).toEqual(b.map((c) => c.t_upload_s));
  });

  it('dropouts are recorded with their status and the round goes on', async () => {
    const s = structuredClone(oneClient) as any;
    s.clients = { count: 10, compute: '2 TFLOP/s', memory: '8 GB', distance: '100 m', dropout: 0.5 };
    s.rounds = 6;
    const run = await runScenario(load(s));
    const dropped = run.clients.filter((c) => c.status === 'dropout').length;
    // 60 Bernoulli(0.5) draws: 30 +- 5 sd of 3.9.
    expect(dropped).toBeGreaterThan(30 - 5 * Math.sqrt(15));
    expect(dropped).toBeLessThan(30 + 5 * Math.sqrt(15));
    for (const r of run.rounds) expect(r.participants + r.dropped).toBe(10);
  });

  it('deadline rounds on fading links: late uploads stop at the deadline and the next round goes on', async () => {
    const s = structuredClone(oneClient) as any;
    s.clients = { count: 6, compute: ['20 TFLOP/s', '20 TFLOP/s', '20 TFLOP/s', '0.2 TFLOP/s', '0.2 TFLOP/s', '0.2 TFLOP/s'], memory: '8 GB', distance: '60 m' };
    s.network.fading = { model: 'rayleigh', coherenceTime: '10 ms' };
    s.round = { mode: 'deadline', deadline: '10 s', aggregationTime: '1 s' };
    s.rounds = 4;
    const run = await runScenario(load(s));
    // The slow clients need 4 TFLOP / 0.2 TFLOP/s = 20 s of compute: always late.
    for (const r of run.rounds) {
      expect(r.round_latency_s).toBeCloseTo(11, 9);
      expect(r.dropped).toBe(3);
    }
    const late = run.clients.filter((c) => c.client >= 3);
    expect(late.every((c) => c.status === 'late' && c.t_upload_s === null && c.t_done_s === null)).toBe(true);
  });
});
