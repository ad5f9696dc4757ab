/**
 * The wireless cell (src/radio) behind the simulation's LinkLayer interface. Downloads follow the
 * cell's downlink mode (broadcast at the worst receiver's rate, or unicast); uploads use the
 * bandwidth the planner chose (JCPBA) or else the cell's bandwidth policy, and run over each
 * client's block-fading uplink to the exact instant the last bit is sent.
 */
import type { Radio } from '../radio/radio.js';
import type { TransferResult as RadioTransfer } from '../radio/timeline.js';
import { transmitEnergyJ } from '../radio/energy.js';
import type { SimClient } from './types.js';
import type { ChannelInfo, LinkLayer, TransferRequest, TransferResult } from './links.js';

export class WirelessLinks implements LinkLayer {
  readonly kind = 'wireless';

  constructor(
    readonly radio: Radio,
    private readonly clients: readonly SimClient[],
  ) {}

  private channel(client: number, round: number, startS: number, bandwidthHz: number | null): ChannelInfo {
    const pl = this.radio.pathLossDb(client);
    const sh = this.radio.shadowingDb(client, round);
    return {
      distance_m: this.clients[client]!.distanceM,
      pathloss_db: pl,
      shadowing_db: sh,
      // The block gain in force when the transfer starts (the timeline uses the same block).
      fading_gain: this.radio.fading(client, 'uplink').gainAt(startS),
      snr_db: bandwidthHz === null ? null : this.radio.snrDb(client, { round, bandwidthHz }),
      bandwidth_hz: bandwidthHz,
    };
  }

  private result(client: number, r: RadioTransfer, txPowerW: number, channel: ChannelInfo): TransferResult {
    return {
      client,
      endS: r.endS,
      airtimeS: r.airtimeS,
      rateBps: r.airtimeS > 0 ? r.deliveredBits / r.airtimeS : 0,
      energyJ: transmitEnergyJ(txPowerW, r.airtimeS),
      channel,
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
        out.set(g, {
          client: g.client,
          endS: r.endS,
          airtimeS: r.airtimeS,
          rateBps: r.airtimeS > 0 ? r.deliveredBits / r.airtimeS : 0,
          energyJ: 0, // the base station transmits; the device's receive energy is not modelled
          channel: { distance_m: null, pathloss_db: null, shadowing_db: null, fading_gain: null, snr_db: null, bandwidth_hz: null },
        });
      });
    }
    return requests.map((r) => out.get(r)!);
  }

  upload(round: number, requests: TransferRequest[], bandwidthHz?: number[], deadlineS?: number): TransferResult[] {
    if (requests.length === 0) return [];
    // Channel state at each upload's start, read before the timelines advance the fading processes.
    if (bandwidthHz) {
      return requests.map((r, i) => {
        const ch = this.channel(r.client, round, r.startS, bandwidthHz[i]!);
        const t = this.radio.uploadTimeline({ client: r.client, round, startS: r.startS, bits: 8 * r.bytes, bandwidthHz: bandwidthHz[i]!, deadlineS });
        return this.result(r.client, t, this.clients[r.client]!.txPowerW, ch);
      });
    }
    const order = requests.map((_, i) => i).sort((a, b) => requests[a]!.startS - requests[b]!.startS || a - b);
    const channels: ChannelInfo[] = new Array(requests.length);
    for (const i of order) channels[i] = this.channel(requests[i]!.client, round, requests[i]!.startS, null);
    const res = this.radio.uploadRound({
      round,
      uploads: requests.map((r) => ({ client: r.client, startS: r.startS, bits: 8 * r.bytes })),
      deadlineS,
    });
    return requests.map((r, i) => {
      const ch = { ...channels[i]!, bandwidth_hz: res.bandwidthHz[i]!, snr_db: this.radio.snrDb(r.client, { round, bandwidthHz: res.bandwidthHz[i]! }) };
      return this.result(r.client, res.results[i]!, this.clients[r.client]!.txPowerW, ch);
    });
  }
}
