import { describe, expect, it } from 'vitest';
import {
  buildRadio,
  shannonRateBps,
  wirelessNetworkSchema,
  type BandwidthAllocator,
  type WirelessNetworkInput,
} from '../../src/radio/index.js';
import { dbmToWatts, dbToLinear } from '../../src/scenario/units.js';

const clients = [
  { distanceM: 100, txPowerW: 0.2 },
  { distanceM: 250, txPowerW: 0.2 },
  { distanceM: 480, txPowerW: 0.1 },
];

function radio(cfg: Partial<WirelessNetworkInput> = {}, seed = 1) {
  return buildRadio(wirelessNetworkSchema.parse({ type: 'wireless', ...cfg }), seed, clients);
}

describe('wirelessNetworkSchema', () => {
  it('fills defaults from { type: wireless }', () => {
    const c = wirelessNetworkSchema.parse({ type: 'wireless' });
    expect(c.uplink.bandwidth).toBe(20e6);
    expect(c.downlink).toMatchObject({ bandwidth: 20e6, mode: 'broadcast' });
    expect(c.downlink.txPower).toBeCloseTo(dbmToWatts(46), 12);
    expect(c.pathLoss).toEqual({ model: '3gpp-macro' });
    expect(c.shadowing).toEqual({ sigma: 8, mode: 'per-client' });
    expect(c.fading).toEqual({ model: 'rayleigh', coherenceTime: 0.01, integration: 'auto' });
    expect(c.noise.psd).toBeCloseTo(dbmToWatts(-174), 30);
    // No shared figure: the uplink uses the base station's 5 dB, the downlink the handset's 9 dB.
    expect(c.noise.figure).toBeUndefined();
    expect(c.linkModel).toEqual({ kind: 'shannon' });
    expect(c.downlink.coding).toBe('per-block');
    expect(c.bandwidthPolicy).toBe('equal');
  });
  it('parses the documented example with units', () => {
    const c = wirelessNetworkSchema.parse({
      type: 'wireless',
      cellRadius: '500 m',
      uplink: { bandwidth: '10 MHz' },
      downlink: { bandwidth: '20 MHz', txPower: '43 dBm', mode: 'unicast' },
      pathLoss: { model: 'free-space', frequency: '3.5 GHz' },
      shadowing: { sigma: '6 dB', mode: 'per-round' },
      fading: { model: 'rician', coherenceTime: '5 ms', kFactor: '6 dB' },
      noise: { psd: '-174 dBm/Hz', figure: '7 dB' },
      outageSnr: '-5 dB',
      bandwidthPolicy: 'proportional-reassign',
    });
    expect(c.uplink.bandwidth).toBe(10e6);
    expect(c.fading).toEqual({ model: 'rician', coherenceTime: 0.005, kFactor: 6, integration: 'auto' });
    expect(c.outageSnr).toBe(-5);
    expect(wirelessNetworkSchema.parse({ type: 'wireless', fading: 'none' }).fading).toEqual({ model: 'none', integration: 'auto' });
  });
  it('rejects unknown fields and bad units', () => {
    expect(() => wirelessNetworkSchema.parse({ type: 'wireless', uplink: { bandwith: '1 MHz' } })).toThrow(/bandwith/);
    expect(() => wirelessNetworkSchema.parse({ type: 'wireless', uplink: { bandwidth: '20 dBm' } })).toThrow(/frequency/);
    expect(() => wirelessNetworkSchema.parse({ type: 'wireless', pathLoss: { model: 'log-distance', exponent: 3 } })).toThrow(/refLoss/);
    expect(() => wirelessNetworkSchema.parse({ type: 'wireless', shadowing: { sigma: -1 } })).toThrow();
  });
});

describe('buildRadio', () => {
  it('large-scale gain = path loss + shadowing; mean SNR by hand', () => {
    const r = radio({ shadowing: { sigma: 0 } });
    expect(r.pathLossDb(0)).toBeCloseTo(90.5, 12);
    expect(r.largeScaleGain(0)).toBeCloseTo(dbToLinear(-90.5), 20);
    // 0.2 W = 23.0103 dBm; uplink noise (BS, 5 dB) -174 + 5 + 73.0103 = -95.9897 dBm;
    // SNR = 23.0103 - 90.5 + 95.9897 = 28.5 dB. Downlink (UE, 9 dB) at 46 dBm: 46 - 90.5 + 91.9897.
    expect(r.snrDb(0)).toBeCloseTo(28.5, 10);
    expect(r.snrDb(0, { link: 'downlink' })).toBeCloseTo(46 - 90.5 + 91.98970004336019, 10);
    // A shared `noise.figure` still sets both links (older scenarios).
    expect(radio({ shadowing: { sigma: 0 }, noise: { figure: '9 dB' } }).snrDb(0)).toBeCloseTo(24.5, 10);
    const sh = radio();
    expect(sh.largeScaleGain(1)).toBeCloseTo(dbToLinear(-(sh.pathLossDb(1) + sh.shadowingDb(1))), 25);
  });

  it('is deterministic per seed and a client does not depend on the others', () => {
    const a = radio({}, 42);
    const b = radio({}, 42);
    const c = radio({}, 43);
    expect(a.shadowingDb(2)).toBe(b.shadowingDb(2));
    expect(a.shadowingDb(2)).not.toBe(c.shadowingDb(2));
    // Touch client 0 in `a` first; client 2's draws are unchanged.
    a.uploadTimeline({ client: 0, startS: 0, bits: 1e6, bandwidthHz: 1e6 });
    const x = a.uploadTimeline({ client: 2, startS: 1, bits: 1e6, bandwidthHz: 1e6 });
    const y = b.uploadTimeline({ client: 2, startS: 1, bits: 1e6, bandwidthHz: 1e6 });
    expect(x.endS).toBe(y.endS);
  });

  it('uploadRound, equal split, no fading: bits / rate(B / K)', () => {
    const r = radio({ fading: 'none', shadowing: { sigma: 0 } });
    const out = r.uploadRound({
      round: 0,
      uploads: [0, 1, 2].map((client) => ({ client, startS: client, bits: 1e7 })),
    });
    expect(out.bandwidthHz).toEqual([20e6 / 3, 20e6 / 3, 20e6 / 3]);
    out.results.forEach((res, i) => {
      const rate = shannonRateBps(20e6 / 3, clients[i]!.txPowerW, r.largeScaleGain(i), r.uplinkNoisePsdWPerHz);
      expect(res.endS).toBeCloseTo(i + 1e7 / rate, 9);
    });
  });

  it('uploadRound with reassignment finishes everyone no later than without', () => {
    const fixed = radio({ fading: 'none', shadowing: { sigma: 0 } }).uploadRound({
      round: 0,
      uploads: [0, 1, 2].map((client) => ({ client, startS: 0, bits: 1e7 })),
    });
    const re = radio({ fading: 'none', shadowing: { sigma: 0 }, bandwidthPolicy: 'equal-reassign' }).uploadRound({
      round: 0,
      uploads: [0, 1, 2].map((client) => ({ client, startS: 0, bits: 1e7 })),
    });
    re.results.forEach((res, i) => expect(res.endS).toBeLessThanOrEqual(fixed.results[i]!.endS * (1 + 1e-12)));
    // The first to finish is unaffected by reassignment.
    const first = fixed.results.reduce((m, x) => Math.min(m, x.endS), Infinity);
    expect(Math.min(...re.results.map((x) => x.endS))).toBeCloseTo(first, 9);
  });

  it('an allocator policy uses the allocator and checks its output', () => {
    const half: BandwidthAllocator = { name: 'half', allocate: (inp) => inp.clients.map(() => inp.totalBandwidthHz / 2) };
    const r = radio({ bandwidthPolicy: 'allocator', fading: 'none' });
    const uploads = [{ client: 0, startS: 0, bits: 1e6 }];
    expect(r.uploadRound({ round: 0, uploads, allocator: half }).bandwidthHz).toEqual([10e6]);
    expect(() => r.uploadRound({ round: 0, uploads })).toThrow(/allocator/);
    const greedy: BandwidthAllocator = { name: 'greedy', allocate: (inp) => inp.clients.map(() => inp.totalBandwidthHz) };
    expect(() => r.uploadRound({ round: 0, uploads: [...uploads, { client: 1, startS: 0, bits: 1 }], allocator: greedy })).toThrow(/more than/);
  });

  it('broadcast download runs at the worst client; unicast splits band and power', () => {
    const r = radio({ fading: 'none', shadowing: { sigma: 0 } });
    const [d0, d1, d2] = r.downloadRound({ round: 0, clients: [0, 1, 2], startS: 0, bits: 1e8 });
    const worst = shannonRateBps(20e6, dbmToWatts(46), r.largeScaleGain(2), r.downlinkNoisePsdWPerHz);
    expect(d0!.endS).toBeCloseTo(1e8 / worst, 9);
    expect(d1!.endS).toBe(d0!.endS);
    expect(d2!.endS).toBe(d0!.endS);
    const u = radio({ fading: 'none', shadowing: { sigma: 0 }, downlink: { mode: 'unicast' } });
    const res = u.downloadRound({ round: 0, clients: [0, 2], startS: 0, bits: 1e8 });
    const r0 = shannonRateBps(10e6, dbmToWatts(46) / 2, u.largeScaleGain(0), u.downlinkNoisePsdWPerHz);
    expect(res[0]!.endS).toBeCloseTo(1e8 / r0, 9);
    expect(res[1]!.endS).toBeGreaterThan(res[0]!.endS);
  });

  it('per-link noise figures: the uplink uses its own, the downlink its own, both default to noise.figure', () => {
    // Client 0: 90.5 dB path loss (see above), 0.2 W; -174 dBm/Hz thermal noise.
    const g = dbToLinear(-90.5);
    const psd = (figureDb: number) => dbmToWatts(-174 + figureDb);
    const r = radio({ fading: 'none', shadowing: { sigma: 0 }, uplink: { noiseFigure: 3 }, downlink: { noiseFigure: 12 } });
    expect(r.uplinkNoisePsdWPerHz / psd(3)).toBeCloseTo(1, 12);
    expect(r.downlinkNoisePsdWPerHz / psd(12)).toBeCloseTo(1, 12);
    // SNR on 20 MHz: 23.0103 - 90.5 - (-174 + 3 + 73.0103) = 30.5 dB up; 46 - 90.5 + 174 - 12 - 73.0103 down.
    expect(r.snrDb(0)).toBeCloseTo(30.5, 9);
    expect(r.snrDb(0, { link: 'downlink' })).toBeCloseTo(46 - 90.5 + 174 - 12 - 10 * Math.log10(20e6), 9);
    // Transfers run at the Shannon rate with their link's noise (hand formula, not the radio's fields).
    const up = r.uploadTimeline({ client: 0, startS: 0, bits: 1e7, bandwidthHz: 5e6 });
    expect(up.endS).toBeCloseTo(1e7 / (5e6 * Math.log2(1 + (0.2 * g) / (psd(3) * 5e6))), 9);
    const [down] = r.downloadRound({ round: 0, clients: [0], startS: 0, bits: 1e8 });
    expect(down!.endS).toBeCloseTo(1e8 / (20e6 * Math.log2(1 + (dbmToWatts(46) * g) / (psd(12) * 20e6))), 9);
    // Without per-link figures both links use noise.figure (9 dB by default, 7 here).
    const d = radio({ noise: { figure: 7 } });
    expect(d.uplinkNoisePsdWPerHz / psd(7)).toBeCloseTo(1, 12);
    expect(d.downlinkNoisePsdWPerHz / psd(7)).toBeCloseTo(1, 12);
  });

  it('per-round shadowing changes between rounds; per-client does not', () => {
    const pr = radio({ shadowing: { sigma: 8, mode: 'per-round' } });
    expect(pr.shadowingDb(0, 0)).not.toBe(pr.shadowingDb(0, 1));
    const pc = radio();
    expect(pc.shadowingDb(0, 0)).toBe(pc.shadowingDb(0, 1));
  });
});
