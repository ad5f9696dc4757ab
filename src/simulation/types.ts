/**
 * What the round simulation needs from the rest of airtune, as small interfaces: clients (from
 * src/devices), a link layer (fixed or src/radio), a planner (a method's per-round loads and, for
 * JCPBA, the solver's bandwidth and pruning plan) and an optional trainer (real tfjs losses).
 */
import type { ClientRecord } from '../output/records.js';
import type { Device } from '../devices/device.js';

/** A client in the simulation: a device (src/devices) plus its aggregation weight. */
export interface SimClient extends Device {
  /** Aggregation weight (e.g. local data size); 1 unless training says otherwise. */
  weight: number;
}

/** A client's work for one round. */
export interface ClientLoad {
  flops: number;
  memoryBytes: number;
  uploadBytes: number;
  downloadBytes: number;
  /** Bytes moved between device memory and its cores (roofline, src/devices/compute.ts), if known. */
  memoryTrafficBytes?: number;
  /** Pruning rate (JCPBA), if any. */
  rho?: number;
}

export interface RoundPlan {
  loads: ClientLoad[];
  /** Uplink bandwidth per client (Hz); omitted: the link layer's own policy. */
  bandwidthHz?: number[];
  /** The planner's own prediction of the round latency (JCPBA: the solver's T). */
  plannedLatencyS?: number;
  /** Clients the planner cannot serve this round (e.g. JCPBA infeasible), with the reason. */
  excluded?: Map<number, ClientRecord['status']>;
}

export interface Planner {
  /** Plan round `round` (1-based) starting at `nowS` for the clients in `participants`. */
  plan(round: number, nowS: number, participants: readonly SimClient[]): RoundPlan;
}

/** A loss source (real training or a loss trace): defined in src/training/losses.ts. */
export type { RoundLosses, Trainer } from '../training/losses.js';
