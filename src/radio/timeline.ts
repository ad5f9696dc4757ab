/**
 * Transfers that span fading blocks. Within block k the rate is constant, r_k = b SE(p G h_k /
 * (N0 b + I)) with SE the link abstraction (Shannon: log2(1 + SINR); 0 if the block is in outage),
 * so the bits delivered by time t are the integral of a piecewise-constant rate; the transfer ends
 * at the EXACT instant that integral reaches the payload: in the last block, t_end = t_k +
 * remaining / r_k. Nothing is rounded to block boundaries.
 *
 * A link that cannot deliver its payload within `NO_LINK_HORIZON_S` even on the most favourable
 * bound (`linkRateUpperBoundBps`) is declared `no-link` up front, without scanning its blocks.
 */
import type { FadingProcess } from './fading.js';
import { blockSpectralEfficiency, shannonLink, type LinkAbstraction } from './link-abstraction.js';
import { aggregates, blockBits, leapDraw, safeLeapBlocks, type BlockBits, type FadingIntegration } from './aggregate.js';
import { seMoments, snrLaw, type GainLaw } from './block-moments.js';
import { pcgHash32 } from './fading.js';

/** Outcome of one transfer (upload, unicast download or broadcast). */
export interface TransferResult {
  /** All bits were sent before the deadline. */
  complete: boolean;
  /**
   * Why the transfer stopped: finished, hit the deadline, hit the block-count guard, or was known
   * not to be able to finish (`no-link`: see `linkRateUpperBoundBps`).
   */
  stop: 'done' | 'deadline' | 'block-limit' | 'no-link';
  startS: number;
  /** Exact instant the last bit is sent; Infinity when incomplete. */
  endS: number;
  /** endS - startS (Infinity when incomplete). */
  durationS: number;
  /** Time spent in blocks with a non-zero rate (transmitter on); outage blocks are silent. */
  airtimeS: number;
  /** Bits sent (= the payload when complete). */
  deliveredBits: number;
  /** deliveredBits / elapsed time (elapsed = duration, or up to the deadline when incomplete). */
  meanRateBps: number;
  /** Fading blocks visited (partly or fully). */
  blocks: number;
  /** Visited blocks (or block segments) with zero rate. */
  outageBlocks: number;
  /** Transmit energy of the sender, J (power x airtime; 0 for the base station's transfers). */
  energyJ: number;
}

/** A piecewise-constant rate on a block grid (a fading process seen through a rate formula). */
export interface BlockRate {
  blockIndex(timeS: number): number;
  blockEndS(k: number): number;
  /** Rate in bit/s in block k. */
  rateOfBlockBps(k: number): number;
  /** When the blocks are i.i.d. with a known law: what aggregate integration needs (aggregate.ts). */
  aggregate?: AggregateSource;
}

/** The i.i.d. block rates of a source, seen as a whole (aggregate.ts). */
export interface AggregateSource {
  mode: 'aggregate' | 'auto';
  /** Key of the source's stream of aggregate draws. */
  key: number;
  /** Block length, s (the source's grid). */
  coherenceTimeS: number;
  /** A cheap estimate of the mean rate, bit/s (auto's blocks-per-transfer test). */
  roughMeanBps(): number;
  /** Exact moments of the bits of one whole block. */
  blockBits(): BlockBits;
}

/**
 * The aggregate view of blocks of rate b SE(Y_k), Y_k i.i.d. with law `snrLaw(law, meanSnrs)`
 * (one link, or the worst of a broadcast's receivers), or undefined when the transfer must walk.
 */
export function aggregateSource(p: {
  integration?: FadingIntegration;
  law?: GainLaw;
  key?: number;
  coherenceTimeS: number;
  bandwidthHz: number;
  meanSnrs: readonly number[];
  link: LinkAbstraction;
  cutSnr: number;
}): AggregateSource | undefined {
  const mode = p.integration ?? 'blocks';
  if (mode === 'blocks' || p.law === undefined || p.key === undefined) return undefined;
  if (!(p.bandwidthHz > 0) || !Number.isFinite(p.coherenceTimeS) || p.meanSnrs.some((x) => !(x > 0 && Number.isFinite(x)))) return undefined;
  const law = snrLaw(p.law, p.meanSnrs);
  let bits: BlockBits | undefined;
  return {
    mode,
    key: p.key,
    coherenceTimeS: p.coherenceTimeS,
    roughMeanBps: () => p.bandwidthHz * law.roughMeanSe(p.link, p.cutSnr),
    blockBits: () => (bits ??= blockBits(seMoments(p.link, p.cutSnr, law), p.bandwidthHz, p.coherenceTimeS)),
  };
}

export interface TransferLimits {
  /** Absolute time by which the transfer must end; default Infinity. */
  deadlineS?: number;
  /**
   * Guard against endless loops when every block is in outage and there is no deadline: stop
   * (incomplete) after this many blocks. Default DEFAULT_MAX_BLOCKS.
   */
  maxBlocks?: number;
}

/**
 * The block guard: 1e7 blocks (27.8 hours at 10 ms, the no-link horizon). Walking them costs about
 * 1 s of CPU (0.96 s measured for 1e7 Rayleigh blocks); the earlier 1e8 took 30 s under load per
 * transfer, and one round of a scenario with a few barely-linked clients minutes (issue 10). The
 * simulation reports a transfer stopped here before the horizon (coherence times below 10 ms) as
 * a limit, exit 2 (src/simulation/wireless.ts), not as no-link.
 */
export const DEFAULT_MAX_BLOCKS = 1e7;

/**
 * A transfer expected to take longer than this cannot be completed: 1e5 s (27.8 hours, the block
 * guard at 10 ms blocks; no federated round a study compares has a single transfer longer than a
 * day). Used by `isHopeless`.
 */
export const NO_LINK_HORIZON_S = 1e5;

/**
 * An upper bound on the mean rate a link can carry on a share of at most `maxBandwidthHz`, with
 * c = P_max G / N0 (Hz) the receive SNR-bandwidth product at full power (interference only lowers
 * it). With X the block power gain (E X = 1, E X^2 <= 2 for Rayleigh and Rician fading, 1 without
 * fading) and m > 0 the lowest SINR that carries anything (the link's `minSnr` or the outage
 * threshold), Chebyshev's P(X >= x) <= E X^2 / x^2 bounds the share of blocks that carry
 * anything. On a share b (mean SINR s = c / b):
 *   finite SE_max:  r(b) <= b SE_max min(1, 2 s^2 / m^2), whose largest value over b <= B is
 *                   SE_max min(B, sqrt(2) c / m);
 *   Shannon:        r(b) <= b log2(1 + s) (Jensen), increasing in b, so <= B log2(1 + c / B); and,
 *                   as log2(1 + x) / x falls, log2(1 + x) <= x log2(1 + m) / m for x >= m, so
 *                   r(b) <= b (log2(1 + m) / m) E[s X 1{s X >= m}] <= 2 c^2 log2(1 + m) / (b m^2),
 *                   falling in b; the two cross below b = c / m, where the second is
 *                   2 c log2(1 + m) / m.
 * With a smallest share `minBandwidthHz` (one PRB), the falling bounds are taken at
 * max(minBandwidthHz, peak) instead (issue 10: a -20 dB client on 2 PRBs was not no-link under
 * the unrestricted bound, and its upload walked 5e6 blocks of a shared band for minutes).
 */
export function linkRateUpperBoundBps(
  maxBandwidthHz: number,
  snrBandwidthHz: number,
  link: LinkAbstraction,
  cutSnr = 0,
  minBandwidthHz = 0,
  gainSurvival?: (x: number) => number,
): number {
  const B = maxBandwidthHz;
  const c = snrBandwidthHz;
  if (!(B > 0) || !(c > 0)) return 0;
  const m = Math.max(link.minSnr, cutSnr);
  // No share is narrower than `minBandwidthHz` (one PRB with a numerology): the power cannot be
  // concentrated below it, so the bounds' peak at b = sqrt(2) c / m (or c / m) moves up to it.
  const bMin = Math.min(Math.max(minBandwidthHz, 0), B);
  if (Number.isFinite(link.maxSpectralEfficiency)) {
    const se = link.maxSpectralEfficiency;
    if (!(m > 0)) return se * B;
    // With the gain law's own tail P(X >= x) (Rayleigh e^-x, Rician Marcum Q, none 1{x <= 1}):
    // r(b) <= SE_max b P(X >= m b / c), maximised over [bMin, B]; b P(X >= k b) is unimodal for a
    // log-concave tail, so a golden-section search on log b finds its peak. Chebyshev (below) is
    // the fallback for a law without one, and also bounds this: the smaller of the two is kept.
    const chebyshev = (() => {
      const b = Math.min(B, Math.max(bMin, (Math.SQRT2 * c) / m));
      return se * Math.min(b, (2 * c * c) / (m * m * b));
    })();
    if (!gainSurvival) return chebyshev;
    const f = (logB: number) => Math.exp(logB) * gainSurvival((m * Math.exp(logB)) / c);
    // The search starts at bLow; shares below it (only when bMin < bLow) carry at most b <= bLow.
    const bLow = Math.max(bMin, B * 1e-12);
    let lo = Math.log(bLow);
    let hi = Math.log(B);
    const g = (Math.sqrt(5) - 1) / 2;
    for (let it = 0; it < 80 && hi - lo > 1e-9; it++) {
      const x1 = hi - g * (hi - lo);
      const x2 = lo + g * (hi - lo);
      if (f(x1) < f(x2)) lo = x1;
      else hi = x2;
    }
    // The peak found, and the ends (a flat tail such as no fading's has its peak at an end).
    const best = Math.max(f(lo), f(hi), f(Math.log(bLow)), f(Math.log(B)), bMin < bLow ? bLow : 0);
    return Math.min(chebyshev, se * best);
  }
  const jensen = (b: number) => b * Math.log2(1 + c / b);
  if (!(m > 0) || c / m > B) return jensen(B);
  // r(b) <= min(b log2(1 + c / b), 2 c^2 log2(1 + m) / (m^2 b)): the two cross at b = c / m.
  const b = Math.max(bMin, c / m);
  return Math.min(jensen(B), (2 * c * c * Math.log2(1 + m)) / (m * m * b));
}

/**
 * `isHopeless(bits, linkRateUpperBoundBps(...))`, without the bound's search for a link that
 * clearly carries the bits. The bound is a maximum over shares of SE_max b P(X >= m b / c) (and
 * Chebyshev's form, which is above it, as P(X >= x) <= 2 / x^2), so one share whose value already
 * carries the bits within the horizon (the unrestricted peak c / m, clamped to [bMin, B]) settles
 * "not hopeless": the same verdict, one tail evaluation instead of the search (a Rician tail costs
 * ~2.5 us, the search ~126 us, once per transfer).
 */
export function linkHopeless(
  bits: number,
  maxBandwidthHz: number,
  snrBandwidthHz: number,
  link: LinkAbstraction,
  cutSnr = 0,
  minBandwidthHz = 0,
  gainSurvival?: (x: number) => number,
): boolean {
  const B = maxBandwidthHz;
  const c = snrBandwidthHz;
  const m = Math.max(link.minSnr, cutSnr);
  if (bits > 0 && gainSurvival && Number.isFinite(link.maxSpectralEfficiency) && m > 0 && B > 0 && c > 0) {
    const b = Math.min(B, Math.max(Math.min(Math.max(minBandwidthHz, 0), B), c / m));
    const witnessBps = link.maxSpectralEfficiency * b * gainSurvival((m * b) / c);
    if (bits / witnessBps <= NO_LINK_HORIZON_S) return false;
  }
  return isHopeless(bits, linkRateUpperBoundBps(B, c, link, cutSnr, minBandwidthHz, gainSurvival));
}

/** True when `bits` cannot be sent within `NO_LINK_HORIZON_S` even at `linkRateUpperBoundBps`. */
export function isHopeless(bits: number, rateUpperBoundBps: number, horizonS = NO_LINK_HORIZON_S): boolean {
  return bits > 0 && !(bits / rateUpperBoundBps <= horizonS);
}

/** The result of a transfer declared `no-link` before it started. */
export function noLinkResult(startS: number): TransferResult {
  return { complete: false, stop: 'no-link', startS, endS: Infinity, durationS: Infinity, airtimeS: 0, deliveredBits: 0, meanRateBps: 0, blocks: 0, outageBlocks: 0, energyJ: 0 };
}

function incomplete(
  stop: 'deadline' | 'block-limit',
  startS: number,
  stopS: number,
  deliveredBits: number,
  airtimeS: number,
  blocks: number,
  outageBlocks: number,
): TransferResult {
  const elapsed = stopS - startS;
  return {
    complete: false,
    stop,
    startS,
    endS: Infinity,
    durationS: Infinity,
    airtimeS,
    deliveredBits,
    meanRateBps: elapsed > 0 && Number.isFinite(elapsed) ? deliveredBits / elapsed : 0,
    blocks,
    outageBlocks,
    energyJ: 0,
  };
}

/** Send `bits` from `startS` over a piecewise-constant block rate. */
export function transferOverBlocks(
  source: BlockRate,
  startS: number,
  bits: number,
  limits: TransferLimits = {},
): TransferResult {
  const deadlineS = limits.deadlineS ?? Infinity;
  const maxBlocks = limits.maxBlocks ?? DEFAULT_MAX_BLOCKS;
  if (!(bits >= 0)) throw new RangeError(`payload must be >= 0 bits, got ${bits}`);
  if (bits === 0) {
    return { complete: true, stop: 'done', startS, endS: startS, durationS: 0, airtimeS: 0, deliveredBits: 0, meanRateBps: 0, blocks: 0, outageBlocks: 0, energyJ: 0 };
  }
  if (deadlineS <= startS) return incomplete('deadline', startS, startS, 0, 0, 0, 0);
  let k = source.blockIndex(startS);
  let t = startS;
  let remaining = bits;
  let airtimeS = 0;
  let blocks = 0;
  let outageBlocks = 0;
  // Aggregate integration (aggregate.ts): leaps over whole blocks while the transfer is far from
  // its end; `leap` is dropped once the remaining bits are too few for one.
  const agg = source.aggregate;
  let leap: BlockBits | null = null;
  if (agg && aggregates(agg.mode, bits, agg.roughMeanBps() * agg.coherenceTimeS)) leap = agg.blockBits();
  let atBoundary = source.blockEndS(k - 1) === t;
  for (;;) {
    const blockEnd = source.blockEndS(k);
    if (blockEnd <= t) {
      // floor(t / Tc) rounded down onto a boundary: t is already in the next block.
      k++;
      atBoundary = blockEnd === t;
      continue;
    }
    if (leap !== null && atBoundary) {
      const safe = safeLeapBlocks(leap, remaining);
      if (safe < leap.minLeap) leap = null;
      else {
        // Whole blocks only, all ending by the deadline, within the block guard.
        const byDeadline = deadlineS === Infinity ? Infinity : Math.floor(deadlineS / agg!.coherenceTimeS) - k;
        const m = Math.min(safe, byDeadline, maxBlocks - blocks);
        const d = m >= leap.minLeap ? leapDraw(leap, m, agg!.key, k) : null;
        if (d !== null && d.bits < remaining) {
          remaining -= d.bits;
          airtimeS += (m - d.outageBlocks) * agg!.coherenceTimeS;
          blocks += m;
          outageBlocks += d.outageBlocks;
          k += m;
          t = source.blockEndS(k - 1);
          if (t >= deadlineS) return incomplete('deadline', startS, deadlineS, bits - remaining, airtimeS, blocks, outageBlocks);
          if (blocks >= maxBlocks) return incomplete('block-limit', startS, t, bits - remaining, airtimeS, blocks, outageBlocks);
          continue;
        }
      }
    }
    const end = blockEnd < deadlineS ? blockEnd : deadlineS;
    const rate = source.rateOfBlockBps(k);
    blocks++;
    if (rate > 0) {
      const finishS = t + remaining / rate;
      if (finishS <= end) {
        airtimeS += finishS - t;
        const durationS = finishS - startS;
        return { complete: true, stop: 'done', startS, endS: finishS, durationS, airtimeS, deliveredBits: bits, meanRateBps: bits / durationS, blocks, outageBlocks, energyJ: 0 };
      }
      remaining -= rate * (end - t);
      airtimeS += end - t;
    } else {
      outageBlocks++;
    }
    if (end >= deadlineS) return incomplete('deadline', startS, deadlineS, bits - remaining, airtimeS, blocks, outageBlocks);
    if (blocks >= maxBlocks) return incomplete('block-limit', startS, end, bits - remaining, airtimeS, blocks, outageBlocks);
    t = end;
    k++;
    atBoundary = true;
  }
}

/** A point-to-point link: one transmitter, one receiver, a fixed share of the band. */
export interface LinkTransfer extends TransferLimits {
  startS: number;
  bits: number;
  bandwidthHz: number;
  txPowerW: number;
  /** Noise PSD in W/Hz, noise figure included. */
  noisePsdWPerHz: number;
  /** Path loss x shadowing, linear (the mean channel power gain). */
  largeScaleGain: number;
  fading: FadingProcess;
  /** Blocks with SINR below this (linear) carry nothing; default 0 (no outage). */
  outageSnrLinear?: number;
  /** Interference power at the receiver over the share, W; default 0. */
  interferenceW?: number;
  /** Link abstraction; default Shannon. */
  link?: LinkAbstraction;
  /** How to integrate over the fading blocks (aggregate.ts); default `blocks`. */
  integration?: FadingIntegration;
}

/** Mean SINR of a link over its share: p G / (N0 b + I). */
export function meanSinr(link: Pick<LinkTransfer, 'bandwidthHz' | 'txPowerW' | 'noisePsdWPerHz' | 'largeScaleGain' | 'interferenceW'>): number {
  return (link.txPowerW * link.largeScaleGain) / (link.noisePsdWPerHz * link.bandwidthHz + (link.interferenceW ?? 0));
}

/** Block rate of one link: r_k = b SE(s0 h_k), s0 = p G / (N0 b + I), 0 below the outage SINR. */
export function linkBlockRate(link: Omit<LinkTransfer, 'startS' | 'bits'>): BlockRate {
  const { bandwidthHz, fading } = link;
  const outage = link.outageSnrLinear ?? 0;
  const model = link.link ?? shannonLink;
  if (!(bandwidthHz > 0)) return { blockIndex: (t) => fading.blockIndex(t), blockEndS: (k) => fading.blockEndS(k), rateOfBlockBps: () => 0 };
  // Hot loop (one call per fading block): the mean SINR is fixed for the transfer, so block k's
  // rate is b SE(snr0 h_k), and the block is in outage iff snr0 h_k < threshold.
  const snr0 = meanSinr(link);
  return {
    blockIndex: (t) => fading.blockIndex(t),
    blockEndS: (k) => fading.blockEndS(k),
    rateOfBlockBps: (k) => bandwidthHz * blockSpectralEfficiency(model, snr0 * fading.gainOfBlock(k), outage),
    aggregate: aggregateSource({
      integration: link.integration,
      law: fading.law,
      key: fading.leapKey,
      coherenceTimeS: fading.coherenceTimeS,
      bandwidthHz,
      meanSnrs: [snr0],
      link: model,
      cutSnr: outage,
    }),
  };
}

/**
 * Upload of `bits` by one client over its fading process, at a fixed bandwidth share. Returns the
 * exact instant the last bit is sent (see `TransferResult`); energy = p x airtime.
 */
export function uploadTimeline(link: LinkTransfer): TransferResult {
  const r = transferOverBlocks(linkBlockRate(link), link.startS, link.bits, link);
  r.energyJ = link.txPowerW * r.airtimeS;
  return r;
}

/** Unicast download to one client (base station power and share, the client's downlink fading). */
export function downloadTimeline(link: LinkTransfer): TransferResult {
  return transferOverBlocks(linkBlockRate(link), link.startS, link.bits, link);
}

/** One receiver of a broadcast. */
export interface BroadcastReceiver {
  largeScaleGain: number;
  fading: FadingProcess;
}

/**
 * Broadcast of one payload to several receivers over the whole downlink band: a common-message
 * multicast must be decodable by every receiver, so with `coding: per-block` (default) block k
 * carries min_i r_i,k (the rate of the worst receiver in that block; Tse & Viswanath Sec. 6.1 /
 * single-rate multicast). All receivers must share one coherence time (blocks aligned on the
 * absolute grid). With `coding: across-blocks` one code word spans many blocks, so the broadcast
 * runs at the worst receiver's ergodic rate min_i B E[SE(s_i X)] from start to end (`ergodicBps`
 * supplies each receiver's ergodic rate). Returns one result, common to all receivers.
 */
export function broadcastTimeline(
  params: TransferLimits & {
    startS: number;
    bits: number;
    bandwidthHz: number;
    txPowerW: number;
    noisePsdWPerHz: number;
    receivers: readonly BroadcastReceiver[];
    outageSnrLinear?: number;
    link?: LinkAbstraction;
    coding?: 'per-block' | 'across-blocks';
    /** across-blocks: the ergodic rate (bit/s) of a receiver with this large-scale gain. */
    ergodicBps?: (largeScaleGain: number) => number;
    /** How to integrate over the fading blocks (aggregate.ts); default `blocks`. */
    integration?: FadingIntegration;
  },
): TransferResult {
  const { receivers, bandwidthHz, txPowerW, noisePsdWPerHz } = params;
  if (receivers.length === 0) throw new RangeError('a broadcast needs at least one receiver');
  const grid = receivers[0]!.fading;
  const outage = params.outageSnrLinear ?? 0;
  const model = params.link ?? shannonLink;
  if (params.coding === 'across-blocks') {
    if (!params.ergodicBps) throw new RangeError('across-blocks broadcast coding needs the receivers\' ergodic rate');
    let rate = Infinity;
    for (const r of receivers) rate = Math.min(rate, params.ergodicBps(r.largeScaleGain));
    const constant: BlockRate = { blockIndex: () => 0, blockEndS: () => Infinity, rateOfBlockBps: () => rate };
    return transferOverBlocks(constant, params.startS, params.bits, params);
  }
  for (const r of receivers) {
    if (r.fading.coherenceTimeS !== grid.coherenceTimeS) {
      throw new RangeError('broadcast receivers must share one coherence time');
    }
  }
  const snrPerGain = txPowerW / (noisePsdWPerHz * bandwidthHz);
  const source: BlockRate = {
    blockIndex: (t) => grid.blockIndex(t),
    blockEndS: (k) => grid.blockEndS(k),
    rateOfBlockBps: (k) => {
      let worst = Infinity;
      for (const r of receivers) worst = Math.min(worst, r.largeScaleGain * r.fading.gainOfBlock(k));
      return bandwidthHz > 0 ? bandwidthHz * blockSpectralEfficiency(model, snrPerGain * worst, outage) : 0;
    },
    aggregate: aggregateSource({
      integration: params.integration,
      law: commonLaw(receivers),
      key: broadcastLeapKey(receivers),
      coherenceTimeS: grid.coherenceTimeS,
      bandwidthHz,
      meanSnrs: receivers.map((r) => snrPerGain * r.largeScaleGain),
      link: model,
      cutSnr: outage,
    }),
  };
  return transferOverBlocks(source, params.startS, params.bits, params);
}

/** The receivers' common fading law, if they all have the same one. */
function commonLaw(receivers: readonly BroadcastReceiver[]): GainLaw | undefined {
  const first = receivers[0]!.fading.law;
  if (!first) return undefined;
  for (const r of receivers) {
    const l = r.fading.law;
    if (!l || l.kind !== first.kind || (l.kind === 'rician' && first.kind === 'rician' && l.kFactorLinear !== first.kFactorLinear)) return undefined;
  }
  return first;
}

/** The broadcast's stream of aggregate draws: its receivers' leap keys, hashed in order. */
function broadcastLeapKey(receivers: readonly BroadcastReceiver[]): number | undefined {
  let h = 0x2545f491;
  for (const r of receivers) {
    if (r.fading.leapKey === undefined) return undefined;
    h = pcgHash32((h + r.fading.leapKey) >>> 0);
  }
  return h;
}
