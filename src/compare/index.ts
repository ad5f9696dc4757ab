/**
 * A run's comparison of methods, from its replications: the records of all replications, the
 * summary over them, at_time.csv, and which methods are left out (no participants). The output
 * layer (console, findings, charts, report) reads this, so every view compares at equal simulated
 * time and by time to target, never over equal round counts.
 */
import type { Scenario } from '../scenario/schema.js';
import type { ScenarioRun } from '../simulation/scenario.js';
import type { StopRules } from '../simulation/stop.js';
import type { AtTimeRecord, ClientRecord, ReplicationSummaryRecord, RoundRecord, SummaryRecord } from '../output/records.js';
import { atTimeRows, autoTimes, endOf, readAt, type Series } from './at-time.js';
import { summariseReplications } from './replications.js';
import { ci95HalfWidth, mean } from './stats.js';

export interface Comparison {
  seeds: number[];
  rounds: RoundRecord[];
  clients: ClientRecord[];
  /** One row per method (means and intervals with replications). */
  summary: SummaryRecord[];
  /** One row per method x replication (only with replications > 1). */
  replications: ReplicationSummaryRecord[];
  /** Compared times and at_time.csv's rows (methods with participants only). */
  times: number[];
  atTime: AtTimeRecord[];
  /** Methods no client could take part in: said so, left out of every comparison. */
  excluded: string[];
  /** Each method's series, one per replication (round order). */
  series: Map<string, Series[]>;
  stopRules: Record<string, StopRules>;
  /** The first replication's run (lossModel, timingModel, backend, rounds models...). */
  first: ScenarioRun;
}

/** Methods' records grouped per replication, in round order. */
function seriesOf(runs: readonly ScenarioRun[], method: string): Series[] {
  return runs.map((r) => r.rounds.filter((x) => x.method === method));
}

/** The simulated-time budgets every compared method shares (stop.simTime), for the automatic grid. */
function sharedBudgets(rules: Record<string, StopRules>, methods: readonly string[]): number[] {
  const budgets = new Set(methods.map((m) => rules[m]?.simTimeS));
  const [only] = [...budgets];
  return budgets.size === 1 && only !== undefined ? [only] : [];
}

export function compareRuns(scenario: Scenario, runs: readonly ScenarioRun[], seeds: readonly number[]): Comparison {
  const first = runs[0]!;
  const summary = summariseReplications(runs.map((r) => r.summary));
  const excluded = summary.filter((s) => s.client_rounds_ok === 0).map((s) => s.method);
  const methods = summary.map((s) => s.method);
  const series = new Map(methods.map((m) => [m, seriesOf(runs, m)] as const));
  const compared = methods.filter((m) => !excluded.includes(m));
  const at = scenario.compare?.at ?? 'auto';
  const times = at === 'auto' ? autoTimes(compared.flatMap((m) => series.get(m)!), sharedBudgets(first.stopRules, compared)) : [...new Set(at)].sort((a, b) => a - b);
  return {
    seeds: [...seeds],
    rounds: runs.flatMap((r) => r.rounds),
    clients: runs.flatMap((r) => r.clients),
    summary,
    replications: runs.length > 1 ? runs.flatMap((r, k) => r.summary.map((s) => ({ ...s, replication: k + 1, seed: seeds[k]! }))) : [],
    times,
    atTime: compared.flatMap((m) => atTimeRows(m, series.get(m)!, times)),
    excluded,
    series,
    stopRules: first.stopRules,
    first,
  };
}

/**
 * The time at which findings compare methods: the latest compared time at or before the end of
 * every run, except runs stopped by a plateau (they hold a converged model, a fair state to
 * compare at any later time). Runs cut by a budget (rounds, sim-time, trace-end) have no state past
 * their end; runs that reached the target stopped training, and comparing their held model with
 * methods still training would mislead. Null when no compared time qualifies.
 */
export function fairHorizon(c: Comparison): number | null {
  const CUT = ['rounds', 'sim-time', 'trace-end', 'target'];
  const reasonOf = (method: string, k: number) =>
    (c.replications.length ? c.replications.find((r) => r.method === method && r.replication === k) : c.summary.find((s) => s.method === method))!.stop_reason;
  let horizon = Infinity;
  for (const s of c.summary) {
    if (c.excluded.includes(s.method)) continue;
    c.series.get(s.method)!.forEach((run, i) => {
      if (CUT.includes(reasonOf(s.method, i + 1))) horizon = Math.min(horizon, endOf(run));
    });
  }
  const ok = c.times.filter((t) => t <= horizon);
  return ok.length ? ok[ok.length - 1]! : null;
}

/** Mean test loss (and CI half-width) of `method` at time t over replications. */
export function lossAt(c: Comparison, method: string, t: number): { loss: number | null; ci95: number | null; roundsDone: number } {
  const reads = c.series.get(method)!.map((s) => readAt(s, t));
  const losses = reads.map((r) => r.testLoss);
  const ok = losses.every((l) => l !== null) && losses.length > 0;
  return {
    loss: ok ? mean(losses as number[]) : null,
    ci95: ok ? ci95HalfWidth(losses as number[]) : null,
    roundsDone: mean(reads.map((r) => r.roundsDone)),
  };
}

/** A point of a method's mean test loss over replications and its 95% interval (the loss chart's band). */
export interface LossBandPoint {
  method: string;
  t: number;
  mean: number;
  lo: number;
  hi: number;
}

const BAND_POINTS = 600;

/**
 * The loss chart's band (replications): for each compared method, the mean test loss over
 * replications and its 95% Student-t interval at every instant one of its replications evaluated
 * (the reading rule makes the mean a step function changing only there; above BAND_POINTS such
 * instants, BAND_POINTS log-spaced times instead). Empty without replications or losses.
 */
export function lossBand(c: Comparison): LossBandPoint[] {
  if (c.seeds.length < 2) return [];
  const out: LossBandPoint[] = [];
  for (const s of c.summary) {
    if (c.excluded.includes(s.method)) continue;
    const runs = c.series.get(s.method)!;
    let times = [...new Set(runs.flatMap((r) => r.filter((x) => x.test_loss !== null).map((x) => x.sim_time_s)))].sort((a, b) => a - b);
    if (times.length > BAND_POINTS) {
      const lo = times.find((t) => t > 0)!;
      const hi = times[times.length - 1]!;
      times = [0, ...Array.from({ length: BAND_POINTS }, (_, i) => lo * (hi / lo) ** (i / (BAND_POINTS - 1)))];
    }
    for (const t of times) {
      const { loss, ci95 } = lossAt(c, s.method, t);
      if (loss === null) continue;
      out.push({ method: s.method, t, mean: loss, lo: loss - (ci95 ?? 0), hi: loss + (ci95 ?? 0) });
    }
  }
  return out;
}
