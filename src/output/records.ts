/**
 * The tidy records a run produces. Column names are the CSV headers, snake_case with units.
 * A value that does not apply to a row is null (an empty CSV cell), never a made-up number.
 */

/**
 * Where each figure comes from (said in the console, the report and README): `sim_time_s`, latencies,
 * bytes, energy, participants and drops are measured on the simulated clock (timing model);
 * losses and everything read from them (time to target, loss at a time) are measured by training
 * (`loss_model`: the tfjs proxy, or a trace file); `rounds_to_converge` / `time_to_converge_s`
 * are computed by JCPBA's rounds model (`rounds_model`: assumed, given or calibrated constants).
 */

/** Clients that did not contribute to a round (or over a run, in client-rounds), by cause. */
export interface DroppedCounts {
  dropped_oom: number;
  dropped_dropout: number;
  dropped_late: number;
  dropped_unavailable: number;
  /** Stale updates discarded: none today (stale updates are down-weighted, status `stale`). */
  dropped_stale: number;
  dropped_infeasible: number;
  /** The link could not carry the transfer (src/radio: below the link model's range, or hopeless). */
  dropped_no_link: number;
  /** Still waiting for a PRB when a deadline round ended (src/radio/numerology.ts). */
  dropped_no_prb: number;
}

export const DROPPED_COLUMNS: (keyof DroppedCounts)[] = [
  'dropped_oom', 'dropped_dropout', 'dropped_late', 'dropped_unavailable', 'dropped_stale', 'dropped_infeasible',
  'dropped_no_link', 'dropped_no_prb',
];

/** One row per method x round. */
export interface RoundRecord extends DroppedCounts {
  method: string;
  /** 1-based replication (seed) of the scenario; 1 without replications. */
  replication: number;
  round: number;
  sim_time_s: number;
  round_latency_s: number;
  planned_latency_s: number | null;
  train_loss: number | null;
  test_loss: number | null;
  bytes_up: number;
  bytes_down: number;
  energy_j: number;
  participants: number;
  dropped: number;
  /** Aggregation-weighted mean pruning rate of the participants (JCPBA), else null. */
  rho_mean: number | null;
  timing_model: string;
  loss_model: string;
}

/**
 * `no-link`: the radio link cannot carry the transfer within the no-link horizon (src/radio,
 * `isHopeless`), or it stopped at the block guard; `no-prb`: the client waited for a PRB and
 * never got one before the round ended.
 */
export type ClientStatus = 'ok' | 'oom' | 'dropout' | 'unavailable' | 'late' | 'infeasible' | 'stale' | 'no-link' | 'no-prb';

/** One row per method x round x client. */
export interface ClientRecord {
  method: string;
  replication: number;
  round: number;
  client: number;
  client_id: string;
  status: ClientStatus;
  distance_m: number | null;
  pathloss_db: number | null;
  shadowing_db: number | null;
  fading_gain: number | null;
  /** Mean uplink SNR at the client's first share, without interference (controlled power). */
  snr_db: number | null;
  /** Mean uplink SINR at that share, interference included. */
  sinr_db: number | null;
  /** The client's first non-zero uplink share, Hz. */
  bandwidth_hz: number | null;
  /** PRBs of that share (with a numerology), else null. */
  prbs: number | null;
  /** Time spent waiting for a first share (a PRB), s; 0 without waiting. */
  wait_s: number | null;
  /** Mean uplink transmit power over the airtime (energy / airtime), dBm. */
  tx_power_dbm: number | null;
  rate_bps: number | null;
  t_download_s: number | null;
  t_compute_s: number | null;
  t_upload_s: number | null;
  t_done_s: number | null;
  energy_j: number;
  flops: number;
  memory_bytes: number;
  upload_bytes: number;
  download_bytes: number;
  rho: number | null;
  timing_model: string;
}

/**
 * One row per method. With replications, each numeric column is the mean over the replications
 * (time to target: over those that reached it, `target_reached` of them), and the `_ci95` columns
 * are the half-widths of the 95% Student-t confidence intervals of those means.
 */
export interface SummaryRecord extends DroppedCounts {
  method: string;
  method_id: string;
  timing_model: string;
  loss_model: string;
  /** Number of seeds the row summarises (1 without replications). */
  replications: number;
  /** The stop rule that ended the run (replications: each reason with its count when they differ). */
  stop_reason: string;
  rounds: number;
  total_time_s: number;
  mean_round_latency_s: number;
  /** Mean of the allocator's planned round latency (JCPBA), else null: compare with the realised mean. */
  mean_planned_latency_s: number | null;
  time_to_target_s: number | null;
  time_to_target_ci95_s: number | null;
  /** Replications that reached the target (null without a target). */
  target_reached: number | null;
  target_test_loss: number | null;
  final_test_loss: number | null;
  bytes_up: number;
  bytes_down: number;
  energy_j: number;
  total_time_ci95_s: number | null;
  bytes_up_ci95: number | null;
  bytes_down_ci95: number | null;
  client_rounds_ok: number;
  client_rounds_dropped: number;
  clients_oom: number;
  /** JCPBA's rounds model R(rhobar) = A / (epsilon - beta rhobar) and where its constants come from; else null. */
  rounds_model: string | null;
  /** Rounds to converge under the method's rounds model R(rhobar) (JCPBA's objective), else null. */
  rounds_to_converge: number | null;
  /** rounds_to_converge x mean realised round latency: the objective J, realised. */
  time_to_converge_s: number | null;
}

/** One row per method x compared time (at_time.csv); replications: means and CI half-widths. */
export interface AtTimeRecord {
  method: string;
  sim_time_s: number;
  /** Test loss of the last evaluation at or before sim_time_s (the model the server holds then). */
  test_loss: number | null;
  test_loss_ci95: number | null;
  /** Rounds whose aggregation ended at or before sim_time_s. */
  rounds_done: number;
  /** Runs (replications) that had already stopped by sim_time_s: they hold their final model. */
  runs_stopped: number;
  replications: number;
}

/** One row per method x replication (replications.csv, written with replications > 1). */
export interface ReplicationSummaryRecord extends SummaryRecord {
  replication: number;
  seed: number;
}

export const ROUND_COLUMNS: (keyof RoundRecord)[] = [
  'method', 'replication', 'round', 'sim_time_s', 'round_latency_s', 'planned_latency_s', 'train_loss', 'test_loss',
  'bytes_up', 'bytes_down', 'energy_j', 'participants', 'dropped', ...DROPPED_COLUMNS, 'rho_mean', 'timing_model', 'loss_model',
];

export const CLIENT_COLUMNS: (keyof ClientRecord)[] = [
  'method', 'replication', 'round', 'client', 'client_id', 'status', 'distance_m', 'pathloss_db', 'shadowing_db',
  'fading_gain', 'snr_db', 'sinr_db', 'bandwidth_hz', 'prbs', 'wait_s', 'tx_power_dbm', 'rate_bps', 't_download_s', 't_compute_s', 't_upload_s',
  't_done_s', 'energy_j', 'flops', 'memory_bytes', 'upload_bytes', 'download_bytes', 'rho', 'timing_model',
];

export const SUMMARY_COLUMNS: (keyof SummaryRecord)[] = [
  'method', 'method_id', 'timing_model', 'loss_model', 'replications', 'stop_reason', 'rounds', 'total_time_s', 'total_time_ci95_s',
  'mean_round_latency_s', 'mean_planned_latency_s',
  'time_to_target_s', 'time_to_target_ci95_s', 'target_reached', 'target_test_loss', 'final_test_loss',
  'bytes_up', 'bytes_up_ci95', 'bytes_down', 'bytes_down_ci95', 'energy_j',
  'client_rounds_ok', 'client_rounds_dropped', ...DROPPED_COLUMNS, 'clients_oom', 'rounds_model', 'rounds_to_converge', 'time_to_converge_s',
];

export const AT_TIME_COLUMNS: (keyof AtTimeRecord)[] = [
  'method', 'sim_time_s', 'test_loss', 'test_loss_ci95', 'rounds_done', 'runs_stopped', 'replications',
];

export const REPLICATION_COLUMNS: (keyof ReplicationSummaryRecord)[] = [
  'method', 'replication', 'seed', ...SUMMARY_COLUMNS.filter((c) => c !== 'method' && c !== 'replications' && !c.endsWith('_ci95') && !c.endsWith('_ci95_s')),
];
