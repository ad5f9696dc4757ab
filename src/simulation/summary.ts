import type { ClientRecord, RoundRecord, SummaryRecord } from '../output/records.js';
import { DROPPED_COLUMNS } from '../output/records.js';
import type { StopReason } from './stop.js';

/** JCPBA's rounds model constants and where they come from (assumed, given, calibrated: see describeRoundsModel). */
export interface RoundsModelInfo {
  A: number;
  epsilon: number;
  beta: number;
  /** e.g. "assumed: A = 50, epsilon = 1, beta = 0.8 (airtune's defaults, not calibrated)". */
  source: string;
}

/** First simulated time at which the test loss is at or below `target` (null if never). */
export function timeToTarget(rounds: readonly RoundRecord[], target: number | null): number | null {
  if (target === null) return null;
  for (const r of rounds) if (r.test_loss !== null && r.test_loss <= target) return r.sim_time_s;
  return null;
}

export function summarise(
  label: string,
  methodId: string,
  timingModel: string,
  lossModel: string,
  rounds: readonly RoundRecord[],
  clients: readonly ClientRecord[],
  targetTestLoss: number | null,
  roundsModel?: RoundsModelInfo,
  stopReason: StopReason = 'rounds',
): SummaryRecord {
  const last = rounds[rounds.length - 1];
  const sum = (f: (r: RoundRecord) => number) => rounds.reduce((s, r) => s + f(r), 0);
  const finalLoss = [...rounds].reverse().find((r) => r.test_loss !== null)?.test_loss ?? null;
  const oom = new Set(clients.filter((c) => c.status === 'oom').map((c) => c.client));
  const toTarget = timeToTarget(rounds, targetTestLoss);
  return {
    method: label,
    method_id: methodId,
    timing_model: timingModel,
    loss_model: lossModel,
    replications: 1,
    stop_reason: stopReason,
    rounds: rounds.filter((r) => r.round > 0).length,
    total_time_s: last?.sim_time_s ?? 0,
    total_time_ci95_s: null,
    mean_round_latency_s: rounds.some((r) => r.round > 0) ? sum((r) => r.round_latency_s) / rounds.filter((r) => r.round > 0).length : 0,
    mean_planned_latency_s: meanPlanned(rounds),
    time_to_target_s: toTarget,
    time_to_target_ci95_s: null,
    target_reached: targetTestLoss === null ? null : toTarget === null ? 0 : 1,
    target_test_loss: targetTestLoss,
    final_test_loss: finalLoss,
    bytes_up: sum((r) => r.bytes_up),
    bytes_down: sum((r) => r.bytes_down),
    energy_j: sum((r) => r.energy_j),
    bytes_up_ci95: null,
    bytes_down_ci95: null,
    client_rounds_ok: clients.filter((c) => c.status === 'ok' || c.status === 'stale').length,
    client_rounds_dropped: clients.filter((c) => c.status !== 'ok' && c.status !== 'stale').length,
    ...(Object.fromEntries(DROPPED_COLUMNS.map((c) => [c, sum((r) => r[c])])) as Record<(typeof DROPPED_COLUMNS)[number], number>),
    clients_oom: oom.size,
    rounds_model: roundsModel?.source ?? null,
    ...convergence(rounds, roundsModel),
  };
}

/**
 * The rounds model of the JCPBA objective (airtune's reconstruction, docs/jcpba-model.md): R = A / (epsilon - beta rhobar),
 * with rhobar the mean over rounds of each round's weighted pruning rate, times the mean realised
 * round latency. Null when the method has no rounds model, the model is undefined (beta rhobar >= epsilon) or
 * its value overflows a double.
 */
function convergence(rounds: readonly RoundRecord[], m?: { A: number; epsilon: number; beta: number }) {
  const real = rounds.filter((r) => r.round > 0 && r.participants > 0);
  if (!m || real.length === 0) return { rounds_to_converge: null, time_to_converge_s: null };
  const rhobar = real.reduce((a, r) => a + (r.rho_mean ?? 0), 0) / real.length;
  const denom = m.epsilon - m.beta * rhobar;
  if (!(denom > 0)) return { rounds_to_converge: null, time_to_converge_s: null };
  const R = m.A / denom;
  const meanLatency = real.reduce((a, r) => a + r.round_latency_s, 0) / real.length;
  // Near beta rhobar = epsilon, R can exceed a double: empty cells then, like an undefined model.
  const J = R * meanLatency;
  return { rounds_to_converge: Number.isFinite(R) ? R : null, time_to_converge_s: Number.isFinite(J) ? J : null };
}

function meanPlanned(rounds: readonly RoundRecord[]): number | null {
  const planned = rounds.filter((r) => r.round > 0 && r.planned_latency_s !== null).map((r) => r.planned_latency_s!);
  return planned.length ? planned.reduce((a, b) => a + b, 0) / planned.length : null;
}
