/**
 * Aggregate fading integration (src/radio/aggregate.ts) against the block-by-block reference.
 *
 * Acceptance (issue 14): over >= 2,000 transfers spanning 10^3 to 10^6 blocks, the completion times
 * of `aggregate` and `blocks` agree in mean within 0.5% and in distribution (two-sample KS
 * statistic below 0.03). Each transfer is run both ways on the same client (same block gains;
 * the aggregate draws have their own stream). Besides the KS statistic of the raw completion
 * times (dominated by the spread of transfer sizes), the test standardises every completion time by
 * the renewal central limit theorem, T ~ N(L / mu_r, Tc^2 N (sigma / mu)^2) for a transfer of
 * N = L / (mu Tc) blocks (Gut, "Stopped Random Walks", 2nd ed. 2009, Thm. 3.4.3), and compares the
 * pooled standardised samples: with ~9,100 pairs the KS statistic of two equal laws stays below
 * 1.95 sqrt(2 / n) = 0.029 with probability 0.999, so a bias or a wrong spread of the leaps shows.
 * The blocks reference at 10^6 blocks is expensive: many transfers at 10^3-10^4 blocks, fewer at
 * 10^5-10^6.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RandomStream } from '../../src/random/index.js';
import {
  AUTO_MIN_BLOCKS,
  attenuatedShannonLink,
  blockBits,
  broadcastTimeline,
  makeFadingProcess,
  nrMcsLink,
  seMoments,
  sharedUploadTimeline,
  shannonLink,
  snrLaw,
  uploadTimeline,
  wirelessNetworkSchema,
  type FadingIntegration,
  type FadingProcess,
  type FadingSpec,
  type GainLaw,
  type LinkAbstraction,
} from '../../src/radio/index.js';

const lin = (db: number) => 10 ** (db / 10);
const TC = 0.01;
const B = 1e6;

interface Group {
  name: string;
  link: LinkAbstraction;
  spec: FadingSpec;
  law: GainLaw;
  snrDb: number;
  cut: number;
  sizes: [blocks: number, transfers: number][];
}

const SIZES: [number, number][] = [
  [1e3, 2500],
  [1e4, 500],
  [1e5, 40],
  [1e6, 4],
];

const GROUPS: Group[] = [
  { name: 'shannon, Rayleigh, 10 dB', link: shannonLink, spec: { model: 'rayleigh', coherenceTimeS: TC }, law: { kind: 'rayleigh' }, snrDb: 10, cut: 0, sizes: SIZES },
  {
    name: 'nr-mcs 256qam, Rayleigh, 5 dB, outage below 0 dB',
    link: nrMcsLink({ table: '256qam', blerTarget: 0.1 }),
    spec: { model: 'rayleigh', coherenceTimeS: TC },
    law: { kind: 'rayleigh' },
    snrDb: 5,
    cut: 1,
    sizes: SIZES,
  },
  {
    name: 'attenuated-shannon, Rician K 6 dB, 0 dB',
    link: attenuatedShannonLink({ alpha: 0.4, snrMin: lin(-10), snrMax: 31 }),
    spec: { model: 'rician', coherenceTimeS: TC, kFactorLinear: lin(6) },
    law: { kind: 'rician', kFactorLinear: lin(6) },
    snrDb: 0,
    cut: 0,
    sizes: SIZES,
  },
];

function fadingOf(spec: FadingSpec, ...path: (string | number)[]): FadingProcess {
  return makeFadingProcess(spec, RandomStream.of(2024, 'gains', ...path), RandomStream.of(2024, 'leaps', ...path));
}

function ks(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

const mean = (x: readonly number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const sd = (x: readonly number[]) => {
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
};

describe('aggregate vs blocks: completion times of single-link transfers', () => {
  const raw = { blocks: [] as number[], aggregate: [] as number[] };
  const std = { blocks: [] as number[], aggregate: [] as number[] };
  const means: { group: string; blocks: number; n: number; meanBlocks: number; meanAggregate: number }[] = [];
  beforeAll(() => {
    for (const g of GROUPS) {
      const s = lin(g.snrDb);
      const bb = blockBits(seMoments(g.link, g.cut, snrLaw(g.law, [s])), B, TC);
      for (const [n, count] of g.sizes) {
        const bits = n * bb.mean;
        const mu = bits / (bb.mean / TC);
        const sigma = TC * Math.sqrt(n) * (bb.sd / bb.mean);
        const times = { blocks: [] as number[], aggregate: [] as number[] };
        for (let i = 0; i < count; i++) {
          const fading = fadingOf(g.spec, g.name, n, i);
          const startS = ((i * 0.6180339887) % 1) * TC;
          for (const mode of ['blocks', 'aggregate'] as const) {
            const r = uploadTimeline({ startS, bits, bandwidthHz: B, txPowerW: s, noisePsdWPerHz: 1 / B, largeScaleGain: 1, fading, outageSnrLinear: g.cut, link: g.link, integration: mode });
            expect(r.complete).toBe(true);
            times[mode].push(r.durationS);
            raw[mode].push(r.durationS);
            std[mode].push((r.durationS - mu) / sigma);
          }
        }
        means.push({ group: g.name, blocks: n, n: count, meanBlocks: mean(times.blocks), meanAggregate: mean(times.aggregate) });
      }
    }
  }, 120_000);

  it('uses at least 2,000 transfers spanning 10^3 to 10^6 blocks', () => {
    expect(raw.blocks.length).toBeGreaterThanOrEqual(2000);
    expect(Math.min(...GROUPS.flatMap((g) => g.sizes.map((s) => s[0])))).toBe(1e3);
    expect(Math.max(...GROUPS.flatMap((g) => g.sizes.map((s) => s[0])))).toBe(1e6);
  });

  it('mean completion times agree within 0.5% for every link, fading law and size', () => {
    for (const m of means) expect(Math.abs(m.meanAggregate / m.meanBlocks - 1), `${m.group}, ${m.blocks} blocks`).toBeLessThan(0.005);
  });

  it('the standardised completion times have the same mean (paired t statistic within 5)', () => {
    const d = std.aggregate.map((a, i) => a - std.blocks[i]!);
    expect(Math.abs(mean(d) / (sd(d) / Math.sqrt(d.length)))).toBeLessThan(5);
    // The renewal CLT standardisation is right for both: mean ~0, sd ~1.
    expect(Math.abs(mean(std.blocks))).toBeLessThan(0.1);
    expect(Math.abs(sd(std.blocks) - 1)).toBeLessThan(0.05);
    expect(Math.abs(sd(std.aggregate) / sd(std.blocks) - 1)).toBeLessThan(0.05);
  });

  it('two-sample KS statistic below 0.03, on the raw and on the standardised completion times', () => {
    expect(ks(raw.aggregate, raw.blocks)).toBeLessThan(0.03);
    expect(ks(std.aggregate, std.blocks)).toBeLessThan(0.03);
  });
});

/** A fading process that counts the block gains read (aggregate integration reads far fewer). */
function counting(f: FadingProcess): FadingProcess & { reads: number } {
  const c = {
    reads: 0,
    coherenceTimeS: f.coherenceTimeS,
    law: f.law,
    leapKey: f.leapKey,
    blockIndex: (t: number) => f.blockIndex(t),
    blockStartS: (k: number) => f.blockStartS(k),
    blockEndS: (k: number) => f.blockEndS(k),
    gainOfBlock: (k: number) => {
      c.reads++;
      return f.gainOfBlock(k);
    },
    gainAt: (t: number) => c.gainOfBlock(f.blockIndex(t)),
  };
  return c;
}

describe('aggregate integration: behaviour', () => {
  const spec: FadingSpec = { model: 'rayleigh', coherenceTimeS: TC };
  const s = lin(10);
  const bb = blockBits(seMoments(shannonLink, 0, snrLaw({ kind: 'rayleigh' }, [s])), B, TC);
  const upload = (bits: number, integration: FadingIntegration, fading: FadingProcess, deadlineS?: number) =>
    uploadTimeline({ startS: 0.003, bits, bandwidthHz: B, txPowerW: s, noisePsdWPerHz: 1 / B, largeScaleGain: 1, fading, integration, deadlineS });

  it('auto walks a transfer shorter than AUTO_MIN_BLOCKS exactly as blocks does, and leaps over a long one', () => {
    const short = (AUTO_MIN_BLOCKS / 2) * bb.mean;
    expect(upload(short, 'auto', fadingOf(spec, 'a'))).toEqual(upload(short, 'blocks', fadingOf(spec, 'a')));
    const f = counting(fadingOf(spec, 'b'));
    const r = upload(1e6 * bb.mean, 'auto', f);
    expect(r.complete).toBe(true);
    expect(r.blocks).toBeGreaterThan(0.99e6);
    // O(log log N) leaps plus the last few hundred blocks, instead of 10^6 gain reads.
    expect(f.reads).toBeLessThan(2000);
    expect(r.airtimeS).toBeCloseTo(r.durationS, 9); // no outage without a cut
  });

  it('is deterministic and does not depend on what was queried before (pure draws)', () => {
    const f1 = fadingOf(spec, 'c');
    const f2 = fadingOf(spec, 'c');
    for (let k = 5000; k > 0; k -= 7) f2.gainOfBlock(k); // another query order on the same process
    upload(5e4 * bb.mean, 'aggregate', f2);
    expect(upload(2e5 * bb.mean, 'aggregate', f1)).toEqual(upload(2e5 * bb.mean, 'aggregate', f2));
  });

  it('stops at a deadline inside a leap-able stretch, with the bits of the blocks before it', () => {
    const r = upload(1e5 * bb.mean, 'aggregate', fadingOf(spec, 'd'), 500.004);
    expect(r.complete).toBe(false);
    expect(r.stop).toBe('deadline');
    // 5e4 blocks' worth of bits: sd sqrt(5e4) sigma.
    expect(Math.abs(r.deliveredBits - 5e4 * bb.mean)).toBeLessThan(6 * Math.sqrt(5e4) * bb.sd);
  });

  it('counts outage blocks and their silence: airtime = (blocks - outage) Tc, outage share ~ P(SINR < cut)', () => {
    const link = nrMcsLink({ table: '256qam', blerTarget: 0.1 });
    const cut = lin(3);
    const m = seMoments(link, cut, snrLaw({ kind: 'rayleigh' }, [s]));
    const bits = 2e5 * m.mean * B * TC;
    const r = uploadTimeline({ startS: 0, bits, bandwidthHz: B, txPowerW: s, noisePsdWPerHz: 1 / B, largeScaleGain: 1, fading: fadingOf(spec, 'e'), link, outageSnrLinear: cut, integration: 'aggregate' });
    const p = m.pZero;
    expect(Math.abs(r.outageBlocks / r.blocks - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / r.blocks));
    expect(r.airtimeS).toBeLessThan(r.durationS);
    expect(Math.abs(r.airtimeS - (r.durationS - r.outageBlocks * TC))).toBeLessThan(TC);
  });

  it('network.fading.integration accepts blocks, aggregate and auto (default auto), and nothing else', () => {
    expect(wirelessNetworkSchema.parse({ type: 'wireless' }).fading.integration).toBe('auto');
    expect(wirelessNetworkSchema.parse({ type: 'wireless', fading: { model: 'rician', integration: 'blocks' } }).fading.integration).toBe('blocks');
    expect(() => wirelessNetworkSchema.parse({ type: 'wireless', fading: { model: 'rayleigh', integration: 'clt' } })).toThrow();
  });
});

describe('aggregate vs blocks: shared band (reassign) and broadcast', () => {
  const link = nrMcsLink({ table: '256qam', blerTarget: 0.1 });
  const spec: FadingSpec = { model: 'rayleigh', coherenceTimeS: TC };
  const N0 = 1e-12;
  const REPS = 400;
  /** Three uploads re-splitting 1 MHz as they finish; mean SINRs 5, 8 and 11 dB at a third of the band. */
  const round = (rep: number, integration: FadingIntegration, deadlineS?: number) =>
    sharedUploadTimeline(
      [0, 1, 2].map((i) => ({
        startS: i * 0.1234,
        bits: (1 + i) * 4e3 * B * TC * 0.4,
        txPowerW: ((N0 * B) / 3) * lin(5 + 3 * i),
        largeScaleGain: 1,
        fading: fadingOf(spec, 'shared', rep, i),
        weight: 1,
      })),
      { totalBandwidthHz: B, noisePsdWPerHz: N0, link, mode: 'reassign', integration, outageSnrLinear: 0.5, deadlineS },
    );

  it('the finish times of each client agree in mean (5 standard errors) and in distribution (KS, 99.9% level)', () => {
    const ends = { blocks: [[], [], []] as number[][], aggregate: [[], [], []] as number[][] };
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of ['blocks', 'aggregate'] as const) round(rep, mode).forEach((r, i) => ends[mode][i]!.push(r.endS));
    }
    for (let i = 0; i < 3; i++) {
      const a = ends.aggregate[i]!;
      const b = ends.blocks[i]!;
      expect(Math.abs(mean(a) - mean(b))).toBeLessThan(5 * sd(b) * Math.sqrt(2 / REPS));
      expect(ks(a, b)).toBeLessThan(1.95 * Math.sqrt(2 / REPS));
    }
  });

  it('a client waiting for a PRB while the PRB holder has not started does not stall the timeline (fixed split)', () => {
    // One PRB, two clients: the larger initial share (client 0) gets the PRB but starts mid-block at
    // 5.005 s; client 1 starts at 0 with no PRB. Before the fix, aggregate integration leapt to the
    // block holding client 0's start and then "leapt" 0 blocks forever, until the 1e7-event guard
    // stopped the round as block-limit with client 0 never started.
    const prbHz = 360e3;
    const ups = [5.005, 0].map((startS, i) => ({
      startS,
      bits: 4e3 * prbHz * TC,
      txPowerW: N0 * prbHz * lin(10),
      largeScaleGain: 1,
      fading: fadingOf(spec, 'prb-wait', i),
      weight: 1,
    }));
    for (const integration of ['blocks', 'auto', 'aggregate'] as const) {
      const res = sharedUploadTimeline(ups, {
        totalBandwidthHz: prbHz, noisePsdWPerHz: N0, link, mode: 'fixed', prb: { prbHz, count: 1 },
        initialSharesHz: [0.7 * prbHz, 0.3 * prbHz], integration, maxEvents: 1e6,
      });
      expect(res.map((r) => r.stop)).toEqual(['done', 'done']);
      // Client 1 waits for client 0's PRB: it starts its upload when client 0 finishes.
      expect(res[1]!.waitS).toBeCloseTo(res[0]!.endS, 9);
      expect(res[0]!.waitS).toBe(0);
    }
  });

  it('leaps: the shared timeline and the broadcast read far fewer gains than the blocks they span', () => {
    const fadings = [0, 1, 2].map((i) => counting(fadingOf(spec, 'shared-reads', i)));
    const res = sharedUploadTimeline(
      fadings.map((fading, i) => ({ startS: 0, bits: (1 + i) * 4e3 * B * TC * 0.4, txPowerW: ((N0 * B) / 3) * lin(5 + 3 * i), largeScaleGain: 1, fading, weight: 1 })),
      { totalBandwidthHz: B, noisePsdWPerHz: N0, link, mode: 'reassign', integration: 'aggregate', outageSnrLinear: 0.5 },
    );
    const spanned = res.reduce((a, r) => a + r.blocks, 0);
    expect(res.every((r) => r.complete)).toBe(true);
    expect(fadings.reduce((a, f) => a + f.reads, 0)).toBeLessThan(0.3 * spanned);
    const receivers = [1, 0.5, 0.25, 2].map((g, i) => ({ largeScaleGain: g, fading: counting(fadingOf(spec, 'bc-reads', i)) }));
    const bc = broadcastTimeline({ startS: 0, bits: 3e3 * B * TC * 2, bandwidthHz: B, txPowerW: 10 * N0 * B, noisePsdWPerHz: N0, receivers, link: shannonLink, integration: 'aggregate' });
    expect(receivers.reduce((a, r) => a + r.fading.reads, 0)).toBeLessThan(0.3 * receivers.length * bc.blocks);
  });

  it('a run cut at the first finish replays the uncut run up to it (what async re-timing relies on)', () => {
    const full = round(7, 'aggregate');
    const first = Math.min(...full.map((r) => r.endS));
    const cut = round(7, 'aggregate', first);
    const i = full.findIndex((r) => r.endS === first);
    expect(cut[i]!.complete).toBe(true);
    expect(cut[i]!.endS).toBe(first);
    expect(cut[i]!.energyJ).toBe(full[i]!.energyJ);
  });

  it('a broadcast coded per block (worst receiver per block) agrees in mean and distribution', () => {
    const gains = [1, 0.5, 0.25, 2];
    const durations = { blocks: [] as number[], aggregate: [] as number[] };
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of ['blocks', 'aggregate'] as const) {
        const r = broadcastTimeline({
          startS: 0.002,
          bits: 3e3 * B * TC * 2,
          bandwidthHz: B,
          txPowerW: 10 * N0 * B,
          noisePsdWPerHz: N0,
          receivers: gains.map((g, i) => ({ largeScaleGain: g, fading: fadingOf(spec, 'bc', rep, i) })),
          link: shannonLink,
          integration: mode,
        });
        durations[mode].push(r.durationS);
      }
    }
    expect(Math.abs(mean(durations.aggregate) - mean(durations.blocks))).toBeLessThan(5 * sd(durations.blocks) * Math.sqrt(2 / REPS));
    expect(ks(durations.aggregate, durations.blocks)).toBeLessThan(1.95 * Math.sqrt(2 / REPS));
  });
});
