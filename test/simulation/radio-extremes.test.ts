/**
 * Issue 10, "Radio at extreme but accepted values": validate said ok, then run died with "fading
 * process queried backwards in time (block 50 after block 99999999)". Each value must now either
 * finish, with the clients that cannot complete marked `no-link`, or be rejected by validation.
 */
import { describe, expect, it } from 'vitest';
import { loadObject } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { buildRadio, wirelessNetworkSchema } from '../../src/radio/index.js';

const base = {
  name: 'extreme',
  seed: 3,
  rounds: 2,
  clients: { count: 3, compute: '2 TFLOP/s', memory: '8 GB', txPower: '23 dBm', distance: ['100 m', '200 m', '300 m'] },
  network: { type: 'wireless', bandwidth: '20 MHz', fading: { model: 'rayleigh', coherenceTime: '10 ms' } },
  model: { workload: { flops: '1 TFLOP', upload: '10 MB', download: '10 MB' } },
  methods: ['fedavg'],
};

function finite(x: unknown): boolean {
  return x === null || typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));
}

async function runWith(network: Record<string, unknown>, clients?: Record<string, unknown>) {
  const s = structuredClone(base) as any;
  Object.assign(s.network, network);
  if (clients) Object.assign(s.clients, clients);
  return runScenario(loadObject(s));
}

describe('radio at extreme but accepted values (issue 10): run finishes, no-link clients named', () => {
  it.each([
    ['outageSnr: 1000 dB', { outageSnr: '1000 dB' }, undefined],
    ['noise.psd: +50 dBm/Hz', { noise: { psd: '50 dBm/Hz' } }, undefined],
    ['txPower: -100 dBm', {}, { txPower: '-100 dBm' }],
  ])('%s', async (_name, network, clients) => {
    const run = await runWith(network, clients);
    expect(run.rounds).toHaveLength(2);
    for (const c of run.clients) expect(c.status).toBe('no-link');
    for (const r of run.rounds) for (const v of Object.values(r)) expect(finite(v)).toBe(true);
    for (const c of run.clients) for (const v of Object.values(c)) expect(finite(v)).toBe(true);
  });

  it.each([
    ['bandwidth: 1 Hz', '1 Hz', /at least 15 kHz.*found 1 Hz/],
    ['bandwidth as a bare 20', 20, /found 20 Hz.*did you mean 20 MHz/],
  ])('%s is rejected by validation, with the reason', (_name, bandwidth, message) => {
    const s = structuredClone(base) as any;
    s.network.bandwidth = bandwidth;
    expect(() => loadObject(s)).toThrow(message);
  });

  it('shadowing.sigma: 1000 dB is rejected by validation, with the reason', () => {
    const s = structuredClone(base) as any;
    s.network.shadowing = { sigma: '1000 dB' };
    expect(() => loadObject(s)).toThrow(/shadowing standard deviation of at most 50 dB/);
  });

  it('shadowing.sigma at its 50 dB limit: the run finishes with finite numbers only', async () => {
    const run = await runWith({ shadowing: { sigma: '50 dB' } }, { count: 12, distance: '200 m' });
    for (const c of run.clients) expect(['ok', 'no-link']).toContain(c.status);
    for (const c of run.clients) for (const v of Object.values(c)) expect(finite(v)).toBe(true);
  });

  it('a transfer stopped by the block guard leaves earlier blocks queryable (no "backwards in time")', () => {
    const radio = buildRadio(wirelessNetworkSchema.parse({ type: 'wireless', outageSnr: '30 dB', shadowing: { sigma: 0 } }), 1, [
      { distanceM: 400, txPowerW: 0.2 },
    ]);
    // Far past any round: the scan walks 1e4 blocks, then an earlier query must still work.
    const late = radio.uploadTimeline({ client: 0, startS: 0, bits: 1e12, bandwidthHz: 1e6, deadlineS: 100 });
    expect(late.complete).toBe(false);
    const g = radio.fading(0, 'uplink').gainAt(5);
    expect(radio.fading(0, 'uplink').gainAt(0.001)).toBeGreaterThan(0);
    expect(radio.fading(0, 'uplink').gainAt(5)).toBe(g);
  });
});

describe('a barely-linked client on a shared PRB grid (fuzz seed 7, case 329)', () => {
  it('defect: a -23 dBm phone at 260 m made one round of equal-reassign NR uploads run for minutes; now it is no-link at once', async () => {
    const run = await runWith(
      {
        bandwidth: '10 MHz',
        numerology: { scs: '30 kHz' },
        linkModel: { kind: 'nr-mcs', table: '64qam', blerTarget: 0.1 },
        bandwidthPolicy: 'equal-reassign',
        fading: { model: 'rayleigh', coherenceTime: '20 ms' },
        uplink: { noiseFigure: '5 dB' },
        interference: { iot: '3 dB' },
      },
      { txPower: ['23 dBm', '-40 dBm', '23 dBm'], distance: ['120 m', '260 m', '75 m'] },
    );
    expect(run.clients.filter((c) => c.round === 1).map((c) => c.status)).toEqual(['ok', 'no-link', 'ok']);
  });
});
