/** Hand-made summaries and comparisons for tests of findings, console and report. */
import type { Comparison } from '../../src/compare/index.js';
import type { SummaryRecord } from '../../src/output/records.js';

/** A summary row with neutral defaults (one replication, stopped by its round cap). */
export function summary(s: Partial<SummaryRecord> & { method: string }): SummaryRecord {
  return {
    method_id: s.method,
    timing_model: 't',
    loss_model: 'l',
    replications: 1,
    stop_reason: 'rounds',
    rounds: 10,
    total_time_s: 1000,
    mean_round_latency_s: 100,
    mean_planned_latency_s: null,
    time_to_target_s: null,
    time_to_target_ci95_s: null,
    target_reached: null,
    target_test_loss: null,
    final_test_loss: null,
    bytes_up: 0,
    bytes_down: 0,
    energy_j: 0,
    total_time_ci95_s: null,
    bytes_up_ci95: null,
    bytes_down_ci95: null,
    client_rounds_ok: 10,
    client_rounds_dropped: 0,
    dropped_oom: 0,
    dropped_dropout: 0,
    dropped_late: 0,
    dropped_unavailable: 0,
    dropped_stale: 0,
    dropped_infeasible: 0,
    dropped_no_link: 0,
    dropped_no_prb: 0,
    clients_oom: 0,
    rounds_model: null,
    rounds_to_converge: null,
    time_to_converge_s: null,
    ...s,
  };
}

/** A comparison of hand-made summaries (one replication, no compared times unless given). */
export function comparison(summary: SummaryRecord[], extra: Partial<Comparison> = {}): Comparison {
  return {
    seeds: [1],
    rounds: [],
    clients: [],
    summary,
    replications: [],
    times: [],
    atTime: [],
    excluded: summary.filter((s) => s.client_rounds_ok === 0).map((s) => s.method),
    series: new Map(summary.map((s) => [s.method, [[]]])),
    stopRules: {},
    first: {} as Comparison['first'],
    ...extra,
  };
}

