/**
 * Issue 10 / 12, "Async mode on a wireless cell ignores bandwidth sharing": concurrent async
 * uploads must share the band under the cell's policy. Hand-checked timeline with two overlapping
 * uploads on a static channel.
 */
import { describe, expect, it } from 'vitest';
import { loadObject } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';

const dbm = (x: number) => 10 ** ((x - 30) / 10);
const B = 20e6;
const g = 10 ** (-(128.1 + 37.6 * Math.log10(0.3)) / 10);
const rate = (b: number) => b * Math.log2(1 + (dbm(23) * g) / (dbm(-174) * 10 ** 0.5 * b));
const RB = rate(B);
const RH = rate(B / 2);
// Upload 3 RB bits: client 0 (ready at 10 s) is alone for 2 s, then shares with client 1 (ready at 12 s).
const BITS = 3 * RB;

// utilisation 1: `compute` is sustained, so client 0 is ready at 1 TFLOP / 0.1 TFLOP/s = 10 s and client 1 at 12 s.
function scenario(policy: string) {
  return {
    name: 'async-share',
    seed: 1,
    rounds: 1,
    clients: { count: 2, compute: ['0.1 TFLOP/s', `${1 / 12} TFLOP/s`], utilisation: 1, memory: '8 GB', txPower: '23 dBm', distance: '300 m' },
    network: { type: 'wireless', bandwidth: '20 MHz', shadowing: { sigma: 0 }, fading: 'none', bandwidthPolicy: policy },
    model: { workload: { flops: '1 TFLOP', upload: `${BITS / 8} B`, download: '0 B' } },
    methods: ['fedavg'],
    round: { mode: 'async', buffer: 2 },
  };
}

describe('async uploads share the band (issue 10)', () => {
  it.each(['equal', 'equal-reassign', 'proportional'])('two overlapping uploads split the band in half (%s)', async (policy) => {
    const run = await runScenario(loadObject(scenario(policy)));
    // By hand: from 12 s both send on B/2; client 0 has RB bits left, so it ends at T0.
    const T0 = 12 + RB / RH;
    // Client 1 then has 3 RB - RH (T0 - 12) left, sent alone on B.
    const T1 = T0 + (BITS - RH * (T0 - 12)) / RB;
    const c0 = run.clients.find((c) => c.client === 0)!;
    const c1 = run.clients.find((c) => c.client === 1)!;
    expect(Math.abs(c0.t_upload_s! / (T0 - 10) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(c1.t_upload_s! / (T1 - 12) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(run.rounds[0]!.sim_time_s / T1 - 1)).toBeLessThan(1e-9);
    // Each started on the band it had: client 0 alone (B), client 1 sharing (B/2).
    expect(c0.bandwidth_hz).toBe(B);
    expect(c1.bandwidth_hz).toBe(B / 2);
    // Airtime-weighted energy: 0.2 W over the whole upload of each.
    expect(c0.tx_power_dbm!).toBeCloseTo(23, 9);
    // Without sharing, client 0 would have finished at 13 s.
    expect(T0).toBeGreaterThan(13.5);
  });
});
