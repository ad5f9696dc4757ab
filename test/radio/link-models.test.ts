/**
 * Each link model, power control and interference option through a whole simulated round, with
 * fading none, no shadowing and a fixed distance: every rate equals its hand formula (1e-9
 * relative). The oracles restate the physics here (path loss, noise, the TS 38.214 / TR 36.942
 * numbers), without calling the radio's rate code.
 */
import { describe, expect, it } from 'vitest';
import { loadObject } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { buildRadio, type HexInterference, type WirelessNetwork } from '../../src/radio/index.js';

const dbm = (x: number) => 10 ** ((x - 30) / 10);
const lin = (db: number) => 10 ** (db / 10);
const macroLossDb = (m: number) => 128.1 + 37.6 * Math.log10(m / 1000);
const N0 = dbm(-174);

const D = 250;
const UP = 10e6;
const DOWN = 20e6;
const FLOPS = 4e12;
const SPEED = 2e12; // sustained FLOP/s: the scenario's client has utilisation 1 (compute time = FLOPS / SPEED)

function scenario(network: Record<string, unknown>, clients: Record<string, unknown> = {}) {
  return {
    name: 'lm',
    seed: 5,
    rounds: 1,
    clients: { count: 1, compute: '2 TFLOP/s', utilisation: 1, memory: '8 GB', txPower: '23 dBm', distance: `${D} m`, ...clients },
    network: { type: 'wireless', bandwidth: '20 MHz', shadowing: { sigma: 0 }, fading: 'none', ...network },
    model: { workload: { flops: '4 TFLOP', upload: '10 MB', download: '20 MB' } },
    methods: ['fedavg'],
  };
}

async function one(network: Record<string, unknown>, clients: Record<string, unknown> = {}) {
  const run = await runScenario(loadObject(scenario(network, clients)));
  return { round: run.rounds[0]!, client: run.clients[0]! };
}

const rel = (a: number, b: number) => Math.abs(a / b - 1);

/** Uplink and downlink SNR of the single client on bandwidth b (NF 5 dB up, 9 dB down). */
function snrs(b: number, pUpW = dbm(23), pDownW = dbm(46)) {
  const g = lin(-macroLossDb(D));
  return { up: (pUpW * g) / (N0 * lin(5) * b), down: (pDownW * g) / (N0 * lin(9) * b), g };
}

function expectLatency(round: { round_latency_s: number }, upBps: number, downBps: number) {
  const want = (8 * DOWN) / downBps + FLOPS / SPEED + (8 * UP) / upBps;
  expect(rel(round.round_latency_s, want)).toBeLessThan(1e-9);
}

describe('link models by hand (fading none, fixed distance)', () => {
  it('shannon with the default noise figures (5 dB BS uplink, 9 dB UE downlink)', async () => {
    const B = 20e6;
    const s = snrs(B);
    const { round, client } = await one({});
    const up = B * Math.log2(1 + s.up);
    expectLatency(round, up, B * Math.log2(1 + s.down));
    expect(rel(client.rate_bps!, up)).toBeLessThan(1e-9);
    expect(client.snr_db!).toBeCloseTo(10 * Math.log10(s.up), 9);
    expect(client.sinr_db!).toBeCloseTo(10 * Math.log10(s.up), 9);
    expect(client.tx_power_dbm!).toBeCloseTo(23, 9);
  });

  it('attenuated-shannon: TR 36.942 baselines (up 0.4, cap 2.0; down 0.6, cap 4.4 bit/s/Hz)', async () => {
    const B = 20e6;
    const s = snrs(B);
    const se = (alpha: number, cap: number, x: number) => (x < 0.1 ? 0 : Math.min(alpha * Math.log2(1 + x), cap));
    const { round } = await one({ linkModel: 'attenuated-shannon' });
    expectLatency(round, B * se(0.4, 2.0, s.up), B * se(0.6, 4.4, s.down));
    // Explicit parameters: alpha 0.75, SINR_MIN -5 dB, SINR_MAX 10 dB.
    const r2 = await one({ linkModel: { kind: 'attenuated-shannon', alpha: 0.75, snrMin: '-5 dB', snrMax: '10 dB' } });
    const se2 = (x: number) => (x < lin(-5) ? 0 : 0.75 * Math.log2(1 + Math.min(x, 10)));
    expectLatency(r2.round, B * se2(s.up), B * se2(s.down));
  });

  it('nr-mcs 256qam and 64qam on NR PRBs: the highest MCS whose threshold the SINR meets, x (1 - BLER)', async () => {
    // 20 MHz at 30 kHz: 51 PRBs of 360 kHz (TS 38.101-1 Table 5.3.2-1).
    const b = 51 * 360e3;
    // 325 m out: uplink SNR 9.6 dB, downlink 28.6 dB (checked below).
    const d = 325;
    const g = lin(-macroLossDb(d));
    const up = (dbm(23) * g) / (N0 * lin(5) * b);
    const down = (dbm(46) * g) / (N0 * lin(9) * b);
    expect(10 * Math.log10(up)).toBeGreaterThan(9.41);
    expect(10 * Math.log10(up)).toBeLessThan(10.31);
    expect(10 * Math.log10(down)).toBeGreaterThan(27.25);
    // Table 5.1.3.1-2: 9.41 dB <= SINR < 10.31 dB -> MCS 8 (16QAM, R 553/1024, 2.1602); above 27.25 dB -> MCS 27 (7.4063).
    const r = await one({ numerology: { scs: '30 kHz' }, linkModel: { kind: 'nr-mcs', table: '256qam', blerTarget: 0.1 } }, { distance: `${d} m` });
    expect(r.client.bandwidth_hz).toBe(b);
    expect(r.client.prbs).toBe(51);
    const want = (8 * DOWN) / (b * 7.4063 * 0.9) + FLOPS / SPEED + (8 * UP) / (b * 2.1602 * 0.9);
    expect(rel(r.round.round_latency_s, want)).toBeLessThan(1e-9);
    // Table 5.1.3.1-1 at BLER 1%: on all 51 PRBs the SINR is below MCS 14's 9.6793 dB (MCS 13,
    // 1.9141), but on n PRBs it is 51/n times higher: the client takes the PRB count with the
    // highest rate n SE (its useful share). MCS 13..16 thresholds and efficiencies of the table:
    expect(10 * Math.log10(up)).toBeLessThan(9.6793);
    const mcs = [[8.78, 1.9141], [9.6793, 2.1602], [10.53, 2.4063], [11.0731, 2.5703]] as const;
    let best = { n: 0, se: 0 };
    for (const [th, se] of mcs) {
      const n = Math.min(51, Math.floor((51 * up) / lin(th)));
      if (n * se > best.n * best.se) best = { n, se };
    }
    expect(best.n).toBeLessThan(51);
    const r64 = await one({ numerology: { scs: '30 kHz' }, linkModel: { kind: 'nr-mcs', table: '64qam', blerTarget: 0.01 } }, { distance: `${d} m` });
    expect(r64.client.prbs).toBe(best.n);
    // Downlink above 23.54 dB: MCS 28 (5.5547) on the whole band.
    const want64 = (8 * DOWN) / (b * 5.5547 * 0.99) + FLOPS / SPEED + (8 * UP) / (best.n * 360e3 * best.se * 0.99);
    expect(rel(r64.round.round_latency_s, want64)).toBeLessThan(1e-9);
  });

  it('power control: P = min(P_max, P0 + 10 log10(b / 180 kHz) + alpha PL); energy at that power', async () => {
    const B = 20e6;
    const L = macroLossDb(D);
    const pDbm = -90 + 10 * Math.log10(B / 180e3) + 0.8 * L;
    expect(pDbm).toBeLessThan(23); // not capped here
    const p = dbm(pDbm);
    const s = snrs(B, p);
    const { round, client } = await one({ powerControl: { p0: '-90 dBm', alpha: 0.8 } });
    const up = B * Math.log2(1 + s.up);
    expectLatency(round, up, B * Math.log2(1 + s.down));
    expect(client.tx_power_dbm!).toBeCloseTo(pDbm, 9);
    // Compute power defaults to 5 W; transmit energy = p x airtime.
    expect(rel(client.energy_j, 5 * (FLOPS / SPEED) + p * ((8 * UP) / up))).toBeLessThan(1e-9);
    // Capped: a plain number is dBm; P0 = -40 dBm asks for more than 23 dBm.
    const capped = await one({ powerControl: { p0: -40, alpha: 1 } });
    expect(capped.client.tx_power_dbm!).toBeCloseTo(23, 9);
  });

  it('interference over thermal: the uplink noise rises by IoT, the downlink does not', async () => {
    const B = 20e6;
    const s = snrs(B);
    const { round, client } = await one({ interference: { iot: '3 dB' } });
    const sinr = s.up / lin(3);
    expectLatency(round, B * Math.log2(1 + sinr), B * Math.log2(1 + s.down));
    expect(client.snr_db!).toBeCloseTo(10 * Math.log10(s.up), 9);
    expect(client.sinr_db!).toBeCloseTo(10 * Math.log10(sinr), 9);
  });

  it('hexagonal 7-cell interference: I = load sum_j P_I G_j0 over the drawn interferers', async () => {
    const B = 20e6;
    const network = { interference: { cells: 7, load: 0.5 }, cellRadius: '289 m' };
    const { round, client } = await one(network);
    const cfg = loadObject(scenario(network)).scenario.network as WirelessNetwork;
    const radio = buildRadio(cfg, 5, [{ distanceM: D, txPowerW: dbm(23) }]);
    const hex = radio.interference as HexInterference;
    const its = hex.interferers(0, 1);
    expect(its).toHaveLength(6);
    const isd = Math.sqrt(3) * 289;
    let I = 0;
    for (const [j, it] of its.entries()) {
      // Inside neighbour j's hexagon: the site at ISD, angle 30 + 60 j degrees.
      const a = (Math.PI / 6) * (1 + 2 * j);
      const [dx, dy] = [it.x - isd * Math.cos(a), it.y - isd * Math.sin(a)];
      expect(Math.abs(dy)).toBeLessThanOrEqual((Math.sqrt(3) / 2) * 289 + 1e-9);
      expect(Math.sqrt(3) * Math.abs(dx) + Math.abs(dy)).toBeLessThanOrEqual(Math.sqrt(3) * 289 + 1e-9);
      expect(Math.hypot(dx, dy)).toBeGreaterThanOrEqual(35);
      I += 0.5 * dbm(23) * lin(-macroLossDb(Math.hypot(it.x, it.y)));
    }
    const s = snrs(B);
    const sinr = (dbm(23) * s.g) / (N0 * lin(5) * B + I);
    expectLatency(round, B * Math.log2(1 + sinr), B * Math.log2(1 + s.down));
    expect(client.sinr_db!).toBeCloseTo(10 * Math.log10(sinr), 9);
  });

  it('hexagonal interference with power control: each interferer runs the same control towards its own cell', () => {
    const network = { interference: { cells: 19, load: 1 }, cellRadius: '289 m', powerControl: { p0: '-80 dBm', alpha: 1 } };
    const cfg = loadObject(scenario(network)).scenario.network as WirelessNetwork;
    const radio = buildRadio(cfg, 9, [{ distanceM: D, txPowerW: dbm(23) }]);
    const hex = radio.interference as HexInterference;
    const b = 1e6;
    const its = hex.interferers(0, 1);
    expect(its).toHaveLength(18);
    let I = 0;
    for (const it of its) I += Math.min(dbm(23), dbm(-80) * (b / 180e3) * lin(it.ownLossDb)) * it.gainToServing;
    expect(rel(radio.interferenceW(0, 1, b), I)).toBeLessThan(1e-12);
  });
});
