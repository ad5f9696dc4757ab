/**
 * The wireless cell (src/radio) behind the simulation's LinkLayer interface. Downloads follow the
 * cell's downlink mode (broadcast at the worst receiver's rate, or unicast); uploads use the
 * bandwidth the planner chose (JCPBA) or else the cell's bandwidth policy, rounded to whole PRBs
 * when the cell has a numerology, and run over each client's block-fading uplink to the exact
 * instant the last bit is sent. In async rounds the uploads in flight share the band
 * (`sharedUplink`).
 */
import type { Environment } from '../engine/index.js';
import type { Radio, RoundTransfer } from '../radio/radio.js';
import { NO_CHANNEL, type ChannelInfo, type LinkLayer, type SharedUplinkChannel, type TransferRequest, type TransferResult } from './links.js';
import { SharedUplink } from './shared-uplink.js';
import type { SimClient } from './types.js';
import { NO_LINK_HORIZON_S } from '../radio/timeline.js';
import { LimitError } from '../scenario/limits.js';

const wattsToDbm = (w: number): number => 10 * Math.log10(w) + 30;

export class WirelessLinks implements LinkLayer {
  readonly kind = 'wireless';

  constructor(
    readonly radio: Radio,
    private readonly clients: readonly SimClient[],
  ) {}

  /** Channel state of an upload: large-scale budget at its first share, fading at its start. */
  channel(client: number, round: number, startS: number, r: Pick<RoundTransfer, 'firstBandwidthHz' | 'waitS' | 'airtimeS' | 'energyJ'> | null): ChannelInfo {
    const b = r && r.firstBandwidthHz > 0 ? r.firstBandwidthHz : null;
    const budget = b === null ? null : this.radio.uplinkBudget(client, round, b);
    const power = r && r.airtimeS > 0 ? r.energyJ / r.airtimeS : budget?.txPowerW;
    const num = this.radio.numerology;
    return {
      distance_m: this.clients[client]!.distanceM,
      pathloss_db: this.radio.pathLossDb(client),
      shadowing_db: this.radio.shadowingDb(client, round),
      // The block gain in force when the transfer starts (the timeline uses the same block).
      fading_gain: Number.isFinite(startS) ? this.radio.fading(client, 'uplink').gainAt(startS) : null,
      snr_db: budget ? 10 * Math.log10(budget.snr) : null,
      sinr_db: budget ? 10 * Math.log10(budget.sinr) : null,
      bandwidth_hz: b,
      prbs: num && r ? Math.round(r.firstBandwidthHz / num.prbHz) : null,
      wait_s: r ? r.waitS : null,
      tx_power_dbm: power !== undefined && power > 0 ? wattsToDbm(power) : null,
    };
  }

  private where(client: number, round: number, link: 'uplink' | 'downlink') {
    return { client, round, coherenceTimeS: this.radio.fading(client, link).coherenceTimeS };
  }

  /** The simulation's view of a finished (or failed) upload. */
  result(client: number, round: number, r: RoundTransfer): TransferResult {
    const failure = r.complete ? undefined : linkFailure(r, this.radio.numerology !== undefined, this.where(client, round, 'uplink'));
    return {
      client,
      endS: r.endS,
      airtimeS: r.airtimeS,
      rateBps: r.airtimeS > 0 ? r.deliveredBits / r.airtimeS : 0,
      energyJ: r.energyJ,
      channel: this.channel(client, round, r.startS, r),
      ...(failure ? { failure } : {}),
    };
  }

  download(round: number, requests: TransferRequest[], deadlineS?: number): TransferResult[] {
    if (requests.length === 0) return [];
    // All requests of a sync round start together; async downloads come one at a time.
    const byStart = new Map<number, TransferRequest[]>();
    for (const r of requests) byStart.set(r.startS, [...(byStart.get(r.startS) ?? []), r]);
    const out = new Map<TransferRequest, TransferResult>();
    for (const [startS, group] of byStart) {
      const bits = group.reduce((m, g) => Math.max(m, 8 * g.bytes), -Infinity);
      const res = this.radio.downloadRound({ round, clients: group.map((g) => g.client), startS, bits, deadlineS });
      group.forEach((g, i) => {
        const r = res[i]!;
        const failure = r.complete ? undefined : linkFailure(r, this.radio.numerology !== undefined, this.where(g.client, round, 'downlink'));
        out.set(g, {
          client: g.client,
          endS: r.endS,
          airtimeS: r.airtimeS,
          rateBps: r.airtimeS > 0 ? r.deliveredBits / r.airtimeS : 0,
          energyJ: 0, // the base station transmits; the device's receive energy is not modelled
          channel: NO_CHANNEL,
          ...(failure ? { failure } : {}),
        });
      });
    }
    return requests.map((r) => out.get(r)!);
  }

  upload(round: number, requests: TransferRequest[], bandwidthHz?: number[], deadlineS?: number): TransferResult[] {
    if (requests.length === 0) return [];
    const res = this.radio.uploadRound({
      round,
      uploads: requests.map((r) => ({ client: r.client, startS: r.startS, bits: 8 * r.bytes })),
      bandwidthHz,
      deadlineS,
    });
    return requests.map((r, i) => this.result(r.client, round, res.results[i]!));
  }

  sharedUplink(env: Environment): SharedUplinkChannel {
    return new SharedUplink(env, this);
  }
}

/**
 * `no-link` (known hopeless, or stopped at the block guard at the no-link horizon), `no-prb` (never
 * got a PRB). A transfer stopped at the block guard before the horizon (a coherence time below
 * NO_LINK_HORIZON_S / DEFAULT_MAX_BLOCKS = 10 ms) may well have finished: a limit of the block-by-block
 * simulation, reported as such (exit 2), not a verdict on the link.
 */
function linkFailure(r: RoundTransfer, prbs: boolean, where: { client: number; round: number; coherenceTimeS: number }): 'no-link' | 'no-prb' | undefined {
  if (r.stop === 'block-limit' && r.blocks * where.coherenceTimeS < NO_LINK_HORIZON_S) {
    const simulated = r.blocks * where.coherenceTimeS;
    throw new LimitError(
      `round ${where.round}: client ${where.client}'s transfer was still running after ${r.blocks.toExponential(1)} fading blocks ` +
        `(${simulated.toPrecision(3)} s at a coherence time of ${where.coherenceTimeS} s), the most one transfer is simulated block by block ` +
        `(src/radio/timeline.ts), before the ${NO_LINK_HORIZON_S.toExponential(0)} s after which a link counts as no-link; ` +
        'use a coherence time of at least 10 ms, or fading: none',
      ['network', 'fading'],
    );
  }
  if (r.stop === 'no-link' || r.stop === 'block-limit') return 'no-link';
  if (prbs && r.firstBandwidthHz === 0) return 'no-prb';
  return undefined;
}
