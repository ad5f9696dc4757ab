/**
 * Uplink bandwidth policies (FDMA/OFDMA: each client gets an exclusive share b_k of the band,
 * sum_k b_k <= B, as in Yang et al. 2021 and Chen et al. 2021).
 *
 * - `equal`: b_k = B / K.
 * - `proportional`: b_k = B w_k / sum_j w_j for a per-client weight (default: upload bits), so that
 *   at equal spectral efficiency all uploads take about the same time.
 * - an external `BandwidthAllocator` (e.g. the JCPBA solver) returns Hz per client.
 * - `reassign`: when a client finishes uploading, its band is re-split among the clients that have
 *   not finished, in proportion to their weights (for an allocator: to their allocated Hz), so the
 *   band is never idle while someone still has bits to send.
 * - with a numerology, every split is rounded to whole PRBs (numerology.ts); a client that gets no
 *   PRB waits: under a fixed split it takes over the PRBs of the next client to finish (clients
 *   waiting are served in the rounding order), under `reassign` it gets PRBs at the next re-split
 *   that has room for it.
 */
import type { FadingProcess } from './fading.js';
import { blockSpectralEfficiency, shannonLink, type LinkAbstraction } from './link-abstraction.js';
import { roundToPrbs } from './numerology.js';
import { DEFAULT_MAX_BLOCKS, aggregateSource, type AggregateSource, type TransferResult } from './timeline.js';
import { aggregates, leapDraw, safeLeapBlocks, type FadingIntegration, type Leap } from './aggregate.js';

/** What an allocator knows about one client in a round. */
export interface AllocationClient {
  /** Client index in the population. */
  index: number;
  /** Path loss x shadowing, linear (mean channel power gain over fading). */
  largeScaleGain: number;
  txPowerW: number;
  /** Bits to upload this round. */
  uploadBits: number;
  /** Local computation time this round, s. */
  computeS: number;
  /** Download time of the round's model broadcast, s (0 if not known). */
  downloadS: number;
  /** Aggregation weight (e.g. local data size); 1 if not known. */
  weight: number;
}

export interface AllocationInput {
  totalBandwidthHz: number;
  /** Noise PSD in W/Hz, noise figure included. */
  noisePsdWPerHz: number;
  clients: readonly AllocationClient[];
}

/** Splits the uplink band among the clients of a round: Hz per client, in input order, sum <= total. */
export interface BandwidthAllocator {
  readonly name: string;
  allocate(input: AllocationInput): number[];
}

/** b_k = B / K. */
export const equalAllocator: BandwidthAllocator = {
  name: 'equal',
  allocate: ({ totalBandwidthHz, clients }) => clients.map(() => totalBandwidthHz / clients.length),
};

/** b_k proportional to weight(client) (default: upload bits); equal split if all weights are 0. */
export function proportionalAllocator(
  weight: (c: AllocationClient) => number = (c) => c.uploadBits,
): BandwidthAllocator {
  return {
    name: 'proportional',
    allocate: ({ totalBandwidthHz, clients }) => splitProportional(totalBandwidthHz, clients.map(weight)),
  };
}

/** B w_k / sum w (equal split when the weights sum to 0). */
export function splitProportional(totalHz: number, weights: readonly number[]): number[] {
  let sum = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`bandwidth weights must be finite and >= 0, got ${w}`);
    sum += w;
  }
  if (sum === 0) return weights.map(() => totalHz / weights.length);
  return weights.map((w) => (totalHz * w) / sum);
}

/**
 * B w_k / sum w, with share k never above caps[k]: water-filling (a capped client keeps its cap and
 * the rest is re-split among the others in proportion to their weights). Entries with weight 0
 * get 0; bandwidth nobody can use stays unallocated.
 */
export function cappedSplit(totalHz: number, weights: readonly number[], caps: readonly number[]): number[] {
  const out = weights.map(() => 0);
  const open = new Set(weights.map((_, i) => i).filter((i) => weights[i]! > 0));
  let left = totalHz;
  for (;;) {
    let sumW = 0;
    for (const i of open) sumW += weights[i]!;
    if (open.size === 0 || sumW === 0 || !(left > 0)) return out;
    let capped = false;
    for (const i of open) {
      if ((left * weights[i]!) / sumW >= caps[i]!) {
        out[i] = caps[i]!;
        left -= caps[i]!;
        open.delete(i);
        capped = true;
      }
    }
    if (!capped) {
      for (const i of open) out[i] = (left * weights[i]!) / sumW;
      return out;
    }
  }
}

/** Throws unless `alloc` has one finite, non-negative entry per client and sums to at most the band. */
export function checkAllocation(alloc: readonly number[], input: AllocationInput, who = 'allocator'): void {
  if (alloc.length !== input.clients.length) {
    throw new RangeError(`${who} returned ${alloc.length} bandwidths for ${input.clients.length} clients`);
  }
  let sum = 0;
  alloc.forEach((b, i) => {
    if (!(b >= 0) || !Number.isFinite(b)) throw new RangeError(`${who} gave client ${input.clients[i]!.index} bandwidth ${b} Hz`);
    sum += b;
  });
  if (sum > input.totalBandwidthHz * (1 + 1e-9)) {
    throw new RangeError(`${who} allocated ${sum} Hz, more than the ${input.totalBandwidthHz} Hz band`);
  }
}

/** One upload sharing the band. */
export interface SharedUpload {
  /** When the client is ready to upload (end of its local computation), s. */
  startS: number;
  bits: number;
  /** Maximum (or fixed) transmit power, W; the power on share b is `powerAt(b)` if given. */
  txPowerW: number;
  largeScaleGain: number;
  fading: FadingProcess;
  /** Share weight: the band is split in proportion to it among the sharers (1 = equal split). */
  weight: number;
  /** Transmit power on a share b, W (power control); default `txPowerW`. */
  powerAt?: (bandwidthHz: number) => number;
  /** Interference power on a share b at the receiver, W; default 0. */
  interferenceAt?: (bandwidthHz: number) => number;
  /** Known in advance never to complete (see `linkRateUpperBoundBps`): it takes no share. */
  noLink?: boolean;
  /** The most bandwidth worth giving it (its rate falls beyond, `Radio.usefulShareHz`); default Infinity. */
  maxShareHz?: number;
}

export interface ReassignOptions {
  totalBandwidthHz: number;
  noisePsdWPerHz: number;
  outageSnrLinear?: number;
  /**
   * Who shares the band at a given instant:
   * - `unfinished` (default): every client that has not finished, including those still computing
   *   (their share is reserved and idle until they start; a finished client's share is re-split);
   * - `active`: only clients that are currently uploading (work-conserving).
   */
  sharers?: 'unfinished' | 'active';
  deadlineS?: number;
  /** Guard on the number of events; default 1e8. */
  maxEvents?: number;
  /** Link abstraction of each block's rate; default Shannon. */
  link?: LinkAbstraction;
  /**
   * `reassign` (default): the split is redone whenever an upload starts or finishes; `fixed`: the
   * initial split is kept (only PRBs freed by a finished client move, to a client that waits).
   */
  mode?: 'reassign' | 'fixed';
  /** Whole PRBs: every split is rounded to `count` PRBs of `prbHz` (numerology.ts). */
  prb?: { prbHz: number; count: number };
  /** `fixed` mode: the initial shares in Hz (default B w_i / sum w). */
  initialSharesHz?: readonly number[];
  /**
   * How to integrate over the fading blocks (aggregate.ts); default `blocks`. With `aggregate` /
   * `auto`, a stretch of whole blocks during which no share changes (no start, no finish) is
   * integrated in one leap for every client, as long as each one's leap is safe (aggregate.ts).
   */
  integration?: FadingIntegration;
}

/** A shared upload's result: the transfer, its first share and how long it waited for one. */
export interface SharedUploadResult extends TransferResult {
  /** Bandwidth of its first non-zero share, Hz (0 if it never got one). */
  firstBandwidthHz: number;
  /** Time from `startS` to its first non-zero share (0 if it got one at once), s. */
  waitS: number;
}

const WAITING = 0;
const ACTIVE = 1;
const DONE = 2;
const NOLINK = 3;

/**
 * Finish times of uploads sharing the band, computed event by event. Events are: a client starts,
 * a client's fading block ends, a client finishes. Between events every client's bandwidth b_i,
 * transmit power, interference and block gain are constant, hence its rate
 * b_i SE(p_i G_i h / (N0 b_i + I_i)); the next finish is t + remaining_i / rate_i, exactly.
 * Results are in input order; incomplete uploads (deadline, no rate left, `noLink`) have
 * endS = Infinity.
 */
export function sharedUploadTimeline(uploads: readonly SharedUpload[], opts: ReassignOptions): SharedUploadResult[] {
  const n = uploads.length;
  const B = opts.totalBandwidthHz;
  const N0 = opts.noisePsdWPerHz;
  const outage = opts.outageSnrLinear ?? 0;
  const link = opts.link ?? shannonLink;
  const deadlineS = opts.deadlineS ?? Infinity;
  const maxEvents = opts.maxEvents ?? DEFAULT_MAX_BLOCKS;
  const activeOnly = (opts.sharers ?? 'unfinished') === 'active';
  const fixed = opts.mode === 'fixed';
  const prb = opts.prb;

  const state = new Uint8Array(n);
  const remaining = new Float64Array(n);
  const block = new Float64Array(n);
  const blockEnd = new Float64Array(n);
  const bw = new Float64Array(n);
  const rate = new Float64Array(n);
  const power = new Float64Array(n);
  const meanSinr = new Float64Array(n);
  const budgetBw = new Float64Array(n).fill(Number.NaN);
  const airtime = new Float64Array(n);
  const energy = new Float64Array(n);
  const blocks = new Float64Array(n);
  const outageBlocks = new Float64Array(n);
  const lastOutageBlock = new Float64Array(n).fill(-Infinity);
  const endS = new Float64Array(n).fill(Infinity);
  const firstBw = new Float64Array(n);
  const waitS = new Float64Array(n).fill(Number.NaN);
  const startOrder = uploads.map((u) => u.startS);

  let t = Infinity;
  for (let i = 0; i < n; i++) {
    const u = uploads[i]!;
    if (!(u.bits >= 0) || !(u.weight >= 0)) throw new RangeError(`upload ${i}: bits and weight must be >= 0`);
    remaining[i] = u.bits;
    if (u.bits === 0) {
      state[i] = DONE;
      endS[i] = u.startS;
      waitS[i] = 0;
    } else if (u.noLink) state[i] = NOLINK;
    else t = Math.min(t, u.startS);
  }

  // Useful-share caps (whole PRBs with a numerology, so that rounding stays within them).
  const caps = uploads.map((u) => {
    const c = u.maxShareHz ?? Infinity;
    return prb && c < Infinity ? Math.max(1, Math.floor(c / prb.prbHz + 1e-9)) * prb.prbHz : c;
  });

  // Fixed split: the initial shares (whole PRBs if any), and the queue of those left without a PRB.
  const queue: number[] = [];
  if (fixed) {
    const cont = opts.initialSharesHz
      ? uploads.map((_, i) => (state[i] === NOLINK ? 0 : Math.min(opts.initialSharesHz![i]!, caps[i]!)))
      : cappedSplit(B, uploads.map((u, i) => (state[i] === NOLINK ? 0 : u.weight)), caps);
    if (prb) {
      const count = roundToPrbs(cont, prb.prbHz, prb.count, startOrder);
      for (let i = 0; i < n; i++) bw[i] = count[i]! * prb.prbHz;
      const waiting = uploads.map((_, i) => i).filter((i) => cont[i]! > 0 && bw[i] === 0 && state[i] !== DONE);
      waiting.sort((a, b) => cont[b]! - cont[a]! || startOrder[a]! - startOrder[b]! || a - b);
      queue.push(...waiting);
    } else for (let i = 0; i < n; i++) bw[i] = cont[i]!;
  }

  /** Reassignment: the split among the current sharers. */
  const resplit = (): void => {
    const sharing = (i: number) => state[i] === ACTIVE || (!activeOnly && state[i] === WAITING);
    const cont = cappedSplit(B, uploads.map((u, i) => (sharing(i) ? u.weight : 0)), caps);
    if (prb) {
      const count = roundToPrbs(cont, prb.prbHz, prb.count, startOrder);
      for (let i = 0; i < n; i++) bw[i] = count[i]! * prb.prbHz;
    } else for (let i = 0; i < n; i++) bw[i] = cont[i]!;
  };

  /** Power and mean SINR on share b (they change only with the share). */
  const budget = (i: number, b: number): void => {
    if (b === budgetBw[i]) return;
    const u = uploads[i]!;
    const p = u.powerAt ? u.powerAt(b) : u.txPowerW;
    const interference = u.interferenceAt ? u.interferenceAt(b) : 0;
    power[i] = p;
    meanSinr[i] = (p * u.largeScaleGain) / (N0 * b + interference);
    budgetBw[i] = b;
  };

  // Aggregate integration: per client, whether its transfer aggregates (-1: not decided yet, at its
  // first share) and its block statistics at the current share.
  const integration = opts.integration ?? 'blocks';
  const aggState = new Int8Array(n).fill(-1);
  const aggSource: (AggregateSource | undefined)[] = new Array(n);
  const aggBw = new Float64Array(n).fill(Number.NaN);
  const leaps: (Leap | undefined)[] = new Array(n);

  /**
   * Integrate every client over the next m whole blocks at once (aggregate.ts), when all active
   * clients sit on a common block boundary, aggregate, and are safely far from their end, and no
   * start or deadline falls within the m blocks. Returns false (nothing changed) otherwise.
   */
  const tryLeap = (): boolean => {
    let tc = Number.NaN;
    let k = 0;
    let m = Infinity;
    let minLeap = 0;
    for (let i = 0; i < n; i++) {
      if (state[i] !== ACTIVE) continue;
      const f = uploads[i]!.fading;
      if (f.law === undefined || f.leapKey === undefined || !Number.isFinite(f.coherenceTimeS)) return false;
      if (Number.isNaN(tc)) {
        tc = f.coherenceTimeS;
        k = block[i]!;
      } else if (f.coherenceTimeS !== tc || block[i] !== k) return false;
      if (f.blockStartS(k) !== t) return false;
      const b = bw[i]!;
      if (!(b > 0)) continue;
      budget(i, b);
      if (aggBw[i] !== b) {
        aggSource[i] = aggregateSource({
          integration, law: f.law, key: f.leapKey, coherenceTimeS: tc, bandwidthHz: b, meanSnrs: [meanSinr[i]!], link, cutSnr: outage,
        });
        aggBw[i] = b;
      }
      const src = aggSource[i];
      if (src === undefined) return false;
      if (aggState[i] === -1) aggState[i] = aggregates(integration, uploads[i]!.bits, src.roughMeanBps() * tc) ? 1 : 0;
      if (aggState[i] === 0) return false;
      const bb = src.blockBits();
      const safe = safeLeapBlocks(bb, remaining[i]!);
      if (safe < bb.minLeap) return false;
      m = Math.min(m, safe);
      minLeap = Math.max(minLeap, bb.minLeap);
    }
    if (Number.isNaN(tc)) return false;
    for (let i = 0; i < n; i++) if (state[i] === WAITING) m = Math.min(m, Math.floor(uploads[i]!.startS / tc) - k);
    if (deadlineS !== Infinity) m = Math.min(m, Math.floor(deadlineS / tc) - k);
    // At least one block: when every active client waits for a PRB (no share, so minLeap stays 0)
    // and a start falls inside the current block, m is 0, and a leap of 0 blocks would repeat forever.
    if (!(m >= Math.max(1, minLeap)) || m === Infinity) return false;
    for (let i = 0; i < n; i++) {
      leaps[i] = undefined;
      if (state[i] !== ACTIVE || !(bw[i]! > 0)) continue;
      const d = leapDraw(aggSource[i]!.blockBits(), m, aggSource[i]!.key, k);
      if (d.bits >= remaining[i]!) return false; // would end inside the leap: walk instead
      leaps[i] = d;
    }
    for (let i = 0; i < n; i++) {
      if (state[i] !== ACTIVE) continue;
      const f = uploads[i]!.fading;
      const d = leaps[i];
      if (d !== undefined) {
        if (Number.isNaN(waitS[i]!)) {
          waitS[i] = t - uploads[i]!.startS;
          firstBw[i] = bw[i]!;
        }
        const on = (m - d.outageBlocks) * tc;
        remaining[i]! -= d.bits;
        airtime[i]! += on;
        energy[i]! += power[i]! * on;
        outageBlocks[i]! += d.outageBlocks;
      }
      block[i] = k + m;
      blockEnd[i] = f.blockEndS(k + m);
      blocks[i]! += m;
    }
    t = uploads.find((_, i) => state[i] === ACTIVE)!.fading.blockStartS(k + m);
    return true;
  };

  const activate = (i: number, at: number): void => {
    const f = uploads[i]!.fading;
    state[i] = ACTIVE;
    let k = f.blockIndex(at);
    while (f.blockEndS(k) <= at) k++;
    block[i] = k;
    blockEnd[i] = f.blockEndS(k);
    blocks[i] = 1;
  };

  let events = 0;
  let stop: 'done' | 'deadline' | 'block-limit' = 'done';
  let undone = 0;
  for (let i = 0; i < n; i++) if (state[i] === WAITING) undone++;
  let dirty = true;

  while (undone > 0) {
    if (t >= deadlineS) {
      stop = 'deadline';
      break;
    }
    if (++events > maxEvents) {
      stop = 'block-limit';
      break;
    }
    // Start whoever is ready.
    for (let i = 0; i < n; i++) {
      if (state[i] === WAITING && uploads[i]!.startS <= t) {
        activate(i, t);
        dirty = true;
      }
    }
    if (dirty && !fixed) resplit();
    dirty = false;
    if (integration !== 'blocks' && tryLeap()) continue;
    let next = deadlineS;
    for (let i = 0; i < n; i++) {
      if (state[i] === WAITING) {
        next = Math.min(next, uploads[i]!.startS);
        continue;
      }
      if (state[i] !== ACTIVE) continue;
      const u = uploads[i]!;
      const b = bw[i]!;
      let r = 0;
      if (b > 0) {
        if (Number.isNaN(waitS[i]!)) {
          waitS[i] = t - u.startS;
          firstBw[i] = b;
        }
        // Power and interference change only with the share: recomputed when it changes.
        budget(i, b);
        r = b * blockSpectralEfficiency(link, meanSinr[i]! * u.fading.gainOfBlock(block[i]!), outage);
      }
      rate[i] = r;
      if (r <= 0 && lastOutageBlock[i] !== block[i]) {
        if (b > 0) outageBlocks[i]!++;
        lastOutageBlock[i] = block[i]!;
      }
      next = Math.min(next, blockEnd[i]!);
      if (r > 0) next = Math.min(next, t + remaining[i]! / r);
    }
    if (next === Infinity) {
      stop = 'deadline'; // nobody can make progress and nothing will change
      break;
    }
    const dt = next - t;
    for (let i = 0; i < n; i++) {
      if (state[i] !== ACTIVE) continue;
      const r = rate[i]!;
      if (r > 0) {
        const finish = t + remaining[i]! / r;
        // The client that defines this event finishes exactly at `next`; a client whose finish
        // differs from `next` only by rounding (1e-12 relative) finishes with it.
        if (finish <= next || remaining[i]! - r * dt <= 1e-12 * uploads[i]!.bits) {
          state[i] = DONE;
          endS[i] = finish <= next ? finish : next;
          airtime[i]! += endS[i]! - t;
          energy[i]! += power[i]! * (endS[i]! - t);
          remaining[i] = 0;
          undone--;
          dirty = true;
          if (fixed && prb && queue.length > 0) {
            // Its PRBs go to the first client waiting for one.
            const j = queue.shift()!;
            bw[j] = Math.min(bw[i]!, caps[j]!);
          }
          continue;
        }
        remaining[i]! -= r * dt;
        airtime[i]! += dt;
        energy[i]! += power[i]! * dt;
      }
      if (next >= blockEnd[i]!) {
        const f = uploads[i]!.fading;
        let k = block[i]! + 1;
        while (f.blockEndS(k) <= next) k++;
        block[i] = k;
        blockEnd[i] = f.blockEndS(k);
        blocks[i]!++;
      }
    }
    t = next;
  }

  return uploads.map((u, i) => {
    const complete = state[i] === DONE;
    const delivered = u.bits - remaining[i]!;
    const wait = Number.isNaN(waitS[i]!) ? 0 : waitS[i]!;
    const common = { firstBandwidthHz: firstBw[i]!, waitS: wait, airtimeS: airtime[i]!, energyJ: energy[i]!, blocks: blocks[i]!, outageBlocks: outageBlocks[i]! };
    if (complete) {
      const durationS = endS[i]! - u.startS;
      return { complete, stop: 'done', startS: u.startS, endS: endS[i]!, durationS, deliveredBits: u.bits, meanRateBps: durationS > 0 ? u.bits / durationS : 0, ...common };
    }
    const elapsed = Math.min(t, deadlineS) - u.startS;
    const why = state[i] === NOLINK ? 'no-link' : stop;
    return { complete, stop: why, startS: u.startS, endS: Infinity, durationS: Infinity, deliveredBits: delivered, meanRateBps: elapsed > 0 && Number.isFinite(elapsed) ? delivered / elapsed : 0, ...common };
  });
}

/**
 * Finish times of all uploads of a round when bandwidth freed by finished clients is re-split
 * (`sharedUploadTimeline` in `reassign` mode).
 */
export function reassignedUploadTimeline(uploads: readonly SharedUpload[], opts: ReassignOptions): SharedUploadResult[] {
  return sharedUploadTimeline(uploads, { ...opts, mode: 'reassign' });
}
