/**
 * The link layer the round simulation talks to. Fixed-rate links live here; the wireless cell
 * (src/radio) implements the same interface, so a round never knows which one it runs on.
 */
import type { Dist } from '../scenario/fields.js';
import { sampleDist } from '../scenario/fields.js';
import { RandomStream } from '../random/index.js';
import type { ClientRecord } from '../output/records.js';
import type { Environment, SimEvent } from '../engine/index.js';

/** A transfer request: `bytes` for client `client`, ready to start at `startS`. */
export interface TransferRequest {
  client: number;
  bytes: number;
  startS: number;
}

/** Radio details of a transfer, where the link layer has them (null on fixed links). */
export type ChannelInfo = Pick<
  ClientRecord,
  'distance_m' | 'pathloss_db' | 'shadowing_db' | 'fading_gain' | 'snr_db' | 'sinr_db' | 'bandwidth_hz' | 'prbs' | 'wait_s' | 'tx_power_dbm'
>;

export interface TransferResult {
  client: number;
  /** Instant the last bit arrives; Infinity if it never does (e.g. permanent outage). */
  endS: number;
  /** Seconds the transmitter was on (for energy). */
  airtimeS: number;
  /** Delivered bits / airtime. */
  rateBps: number;
  /** Transmit energy of the client (uploads) or 0 (downloads are the base station's). */
  energyJ: number;
  channel: ChannelInfo;
  /**
   * Why an incomplete transfer failed, when the link layer knows: `no-link` (the link cannot
   * carry it), `no-prb` (it waited for a PRB and never got one). Absent: done, or cut by a deadline.
   */
  failure?: 'no-link' | 'no-prb';
}

/** Uploads that share the band while in flight (async mode), one event per upload. */
export interface SharedUplinkChannel {
  /** Start an upload now; the event succeeds with its result when the last bit is sent. */
  upload(round: number, request: TransferRequest): SimEvent<TransferResult>;
}

export interface LinkLayer {
  readonly kind: string;
  /**
   * Downloads of the round's payload (broadcast or unicast), all starting at `requests[i].startS`.
   * With `deadlineS`, a transfer not done by then stops there (`endS` = Infinity): the channel is
   * not simulated past a deadline round's end.
   */
  download(round: number, requests: TransferRequest[], deadlineS?: number): TransferResult[];
  /**
   * Uploads; `bandwidthHz[i]` is request i's share of the uplink (ignored by fixed links).
   * Results in request order.
   */
  upload(round: number, requests: TransferRequest[], bandwidthHz?: number[], deadlineS?: number): TransferResult[];
  /**
   * Optional: a band shared by the uploads in flight (async rounds). Links without it (fixed
   * rates) give every upload its own rate.
   */
  sharedUplink?(env: Environment): SharedUplinkChannel;
}

export const NO_CHANNEL: ChannelInfo = {
  distance_m: null,
  pathloss_db: null,
  shadowing_db: null,
  fading_gain: null,
  snr_db: null,
  sinr_db: null,
  bandwidth_hz: null,
  prbs: null,
  wait_s: null,
  tx_power_dbm: null,
};

/** Transfer time of `bytes` at a constant `rateBps`. */
export function fixedTransferS(bytes: number, rateBps: number): number {
  return bytes === 0 ? 0 : (8 * bytes) / rateBps;
}

/** Constant-rate links, one uplink and one downlink rate per client (drawn once). */
export class FixedLinks implements LinkLayer {
  readonly kind = 'fixed';
  readonly uplinkBps: number[];
  readonly downlinkBps: number[];

  /** `measured`: clients' own rates (device file, FedScale trace), used instead of the distributions. */
  constructor(uplink: Dist, downlink: Dist, clients: number, seed: number, measured: readonly { uplinkBps?: number; downlinkBps?: number }[] = []) {
    this.uplinkBps = Array.from({ length: clients }, (_, k) => measured[k]?.uplinkBps ?? sampleDist(uplink, k, RandomStream.of(seed, 'link', 'uplink', k)));
    this.downlinkBps = Array.from({ length: clients }, (_, k) => measured[k]?.downlinkBps ?? sampleDist(downlink, k, RandomStream.of(seed, 'link', 'downlink', k)));
  }

  private transfer(req: TransferRequest, rateBps: number, txPowerW = 0): TransferResult {
    const t = fixedTransferS(req.bytes, rateBps);
    return { client: req.client, endS: req.startS + t, airtimeS: t, rateBps, energyJ: txPowerW * t, channel: NO_CHANNEL };
  }

  download(_round: number, requests: TransferRequest[]): TransferResult[] {
    return requests.map((r) => this.transfer(r, this.downlinkBps[r.client]!));
  }

  upload(_round: number, requests: TransferRequest[]): TransferResult[] {
    return requests.map((r) => this.transfer(r, this.uplinkBps[r.client]!));
  }
}
