/**
 * The tidy records a run produces. Column names are the CSV headers, snake_case with units.
 * A value that does not apply to a row is null (an empty CSV cell), never a made-up number.
 */

/** One row per method x round. */
export interface RoundRecord {
  method: string;
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

/** One row per method. */
export interface SummaryRecord {
  method: string;
  method_id: string;
  timing_model: string;
  loss_model: string;
  rounds: number;
  total_time_s: number;
  mean_round_latency_s: number;
  /** Mean of the allocator's planned round latency (JCPBA), else null: compare with the realised mean. */
  mean_planned_latency_s: number | null;
  time_to_target_s: number | null;
  target_test_loss: number | null;
  final_test_loss: number | null;
  bytes_up: number;
  bytes_down: number;
  energy_j: number;
  client_rounds_ok: number;
  client_rounds_dropped: number;
  clients_oom: number;
  /** Rounds to converge under the method's rounds model R(rhobar) (JCPBA's objective), else null. */
  rounds_to_converge: number | null;
  /** rounds_to_converge x mean realised round latency: the objective J, realised. */
  time_to_converge_s: number | null;
}

export const ROUND_COLUMNS: (keyof RoundRecord)[] = [
  'method', 'round', 'sim_time_s', 'round_latency_s', 'planned_latency_s', 'train_loss', 'test_loss',
  'bytes_up', 'bytes_down', 'energy_j', 'participants', 'dropped', 'rho_mean', 'timing_model', 'loss_model',
];

export const CLIENT_COLUMNS: (keyof ClientRecord)[] = [
  'method', 'round', 'client', 'client_id', 'status', 'distance_m', 'pathloss_db', 'shadowing_db',
  'fading_gain', 'snr_db', 'sinr_db', 'bandwidth_hz', 'prbs', 'wait_s', 'tx_power_dbm', 'rate_bps', 't_download_s', 't_compute_s', 't_upload_s',
  't_done_s', 'energy_j', 'flops', 'memory_bytes', 'upload_bytes', 'download_bytes', 'rho', 'timing_model',
];

export const SUMMARY_COLUMNS: (keyof SummaryRecord)[] = [
  'method', 'method_id', 'timing_model', 'loss_model', 'rounds', 'total_time_s', 'mean_round_latency_s', 'mean_planned_latency_s',
  'time_to_target_s', 'target_test_loss', 'final_test_loss', 'bytes_up', 'bytes_down', 'energy_j',
  'client_rounds_ok', 'client_rounds_dropped', 'clients_oom', 'rounds_to_converge', 'time_to_converge_s',
];
