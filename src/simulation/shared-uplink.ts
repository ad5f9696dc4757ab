/**
 * Async uploads sharing the band. In async rounds uploads start whenever a client finishes
 * computing, so the set of uploads in flight is only known as time goes on. This channel keeps
 * that set and, at every start and finish, re-splits the band among the uploads that are sending
 * (the cell's policy weights, whole PRBs with a numerology: `Radio.inFlightTimeline`):
 *
 * - on a start at time t, every upload in flight is advanced from the last change to t (its bits
 *   delivered, airtime and energy are those of the radio's shared timeline cut at t), the new one
 *   joins, and the next finish is predicted from the remaining bits with the new split;
 * - one engine callback is kept at the earliest predicted finish; a start before it cancels it.
 *
 * Fading gains are a pure function of the block (src/radio/fading.ts), so re-timing an upload
 * from t reads the same blocks again consistently.
 */
import type { Environment, SimEvent } from '../engine/index.js';
import type { RoundTransfer } from '../radio/radio.js';
import { noLinkResult } from '../radio/timeline.js';
import type { SharedUplinkChannel, TransferRequest, TransferResult } from './links.js';
import type { WirelessLinks } from './wireless.js';

interface InFlight {
  client: number;
  round: number;
  /** When the upload started (ready to send), s. */
  startS: number;
  bits: number;
  remaining: number;
  airtimeS: number;
  energyJ: number;
  blocks: number;
  outageBlocks: number;
  firstBandwidthHz: number;
  /** Absolute time of its first share (NaN until it gets one). */
  firstShareS: number;
  done: SimEvent<TransferResult>;
}

export class SharedUplink implements SharedUplinkChannel {
  private readonly inFlight: InFlight[] = [];
  private lastS = 0;
  private timer = -1;

  constructor(
    private readonly env: Environment,
    private readonly links: WirelessLinks,
  ) {}

  upload(round: number, request: TransferRequest): SimEvent<TransferResult> {
    const done = this.env.event<TransferResult>();
    const now = this.env.now;
    const bits = 8 * request.bytes;
    const radio = this.links.radio;
    if (bits === 0 || radio.uplinkHopeless(request.client, round, bits)) {
      const r: RoundTransfer = bits === 0
        ? { ...noLinkResult(now), complete: true, stop: 'done', endS: now, durationS: 0, firstBandwidthHz: 0, waitS: 0 }
        : { ...noLinkResult(now), firstBandwidthHz: 0, waitS: 0 };
      done.succeed(this.links.result(request.client, round, r));
      return done;
    }
    this.advanceTo(now);
    this.inFlight.push({
      client: request.client, round, startS: now, bits, remaining: bits, airtimeS: 0, energyJ: 0, blocks: 0, outageBlocks: 0,
      firstBandwidthHz: 0, firstShareS: Number.NaN, done,
    });
    this.replan();
    return done;
  }

  /** The shared timeline of the uploads in flight from the last change, cut at `untilS`. */
  private timeline(untilS?: number): RoundTransfer[] {
    return this.links.radio.inFlightTimeline(
      this.inFlight.map((u) => ({ client: u.client, round: u.round, startS: this.lastS, bits: u.remaining, weight: u.bits })),
      untilS,
    );
  }

  /** Account for everything sent up to `t`; finish the uploads that end by then. */
  private advanceTo(t: number): void {
    if (this.inFlight.length === 0 || t <= this.lastS) {
      this.lastS = Math.max(this.lastS, t);
      return;
    }
    const res = this.timeline(t);
    const finished: InFlight[] = [];
    res.forEach((r, i) => {
      const u = this.inFlight[i]!;
      u.airtimeS += r.airtimeS;
      u.energyJ += r.energyJ;
      u.blocks += r.blocks;
      u.outageBlocks += r.outageBlocks;
      if (Number.isNaN(u.firstShareS) && r.firstBandwidthHz > 0) {
        u.firstShareS = this.lastS + r.waitS;
        u.firstBandwidthHz = r.firstBandwidthHz;
      }
      if (r.complete) {
        u.remaining = 0;
        finished.push(u);
        this.finish(u, r.endS);
      } else u.remaining = Math.max(0, u.remaining - r.deliveredBits);
    });
    for (const u of finished) this.inFlight.splice(this.inFlight.indexOf(u), 1);
    this.lastS = t;
  }

  private finish(u: InFlight, endS: number): void {
    const r: RoundTransfer = {
      complete: true,
      stop: 'done',
      startS: u.startS,
      endS,
      durationS: endS - u.startS,
      airtimeS: u.airtimeS,
      deliveredBits: u.bits,
      meanRateBps: endS > u.startS ? u.bits / (endS - u.startS) : 0,
      blocks: u.blocks,
      outageBlocks: u.outageBlocks,
      energyJ: u.energyJ,
      firstBandwidthHz: u.firstBandwidthHz,
      waitS: Number.isNaN(u.firstShareS) ? 0 : u.firstShareS - u.startS,
    };
    u.done.succeed(this.links.result(u.client, u.round, r));
  }

  /** Schedule the next predicted finish (cancelling the previous prediction). */
  private replan(): void {
    if (this.timer >= 0) {
      this.env.cancel(this.timer);
      this.timer = -1;
    }
    if (this.inFlight.length === 0) return;
    let next = Infinity;
    for (const r of this.timeline()) if (r.complete) next = Math.min(next, r.endS);
    if (!Number.isFinite(next)) return; // nobody can finish: they wait for good (no event)
    this.timer = this.env.scheduleAt(next, () => {
      this.timer = -1;
      this.advanceTo(next);
      this.replan();
    });
  }
}
