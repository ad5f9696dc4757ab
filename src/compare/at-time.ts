/**
 * Comparing methods at equal simulated time (at_time.csv), never over equal round counts.
 *
 * Reading rule: a method's test loss at time t is the loss of its LAST EVALUATION AT OR BEFORE t,
 * i.e. of the model the server holds at t (round r's model exists from the instant round r's
 * aggregation ends, rounds.csv `sim_time_s`). With `evalEvery` > 1 the last evaluated model may be
 * a few rounds older than the one held. A run that has stopped holds its final model afterwards
 * (at_time.csv counts such runs in `runs_stopped`). `rounds_done` counts the rounds whose
 * aggregation ended at or before t.
 *
 * Times: `compare.at` (explicit), or automatic: round clock durations, roughly log-spaced (1, 2, 5,
 * 10, 20, 30 s, 1, 2, 5, 10, 20, 30 min, 1, 2, 5, 10, 20 h, 1, 2, 5 ... days; `niceTimes`), from the
 * first round's end of the fastest method to the end of the longest run, thinned to at most 12
 * (keeping the largest); plus the simulated-time budget if all compared methods share one
 * (stop.simTime) and the longest run's end itself.
 */
import type { AtTimeRecord, RoundRecord } from '../output/records.js';
import { ci95HalfWidth, mean } from './stats.js';

/** One method's records in one replication, in round order (round 0 first when present). */
export type Series = readonly RoundRecord[];

/** The model held at `t`: last evaluation at or before t, and the rounds done by then. */
export function readAt(series: Series, t: number): { testLoss: number | null; roundsDone: number } {
  let testLoss: number | null = null;
  let roundsDone = 0;
  for (const r of series) {
    if (r.sim_time_s > t) break;
    if (r.round > 0) roundsDone = r.round;
    if (r.test_loss !== null) testLoss = r.test_loss;
  }
  return { testLoss, roundsDone };
}

/** When the run ended (its last aggregation), 0 without rounds. */
export function endOf(series: Series): number {
  return series.length ? series[series.length - 1]!.sim_time_s : 0;
}

const MAX_AUTO_TIMES = 12;

/**
 * Round clock durations, roughly log-spaced (consecutive ratios 1.2 to 2.5): 1, 2, 5 ms ... 10, 20,
 * 30 s, 1, 2, 5, 10, 20, 30 min, 1, 2, 5, 10, 20 h, 1, 2, 5, 10, 20, 50 ... days.
 */
export function niceTimes(upToS: number): number[] {
  const out: number[] = [];
  for (let e = -3; e <= 0; e++) for (const m of [1, 2, 5]) out.push(Number((m * 10 ** e).toPrecision(6)));
  out.push(10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 18000, 36000, 72000);
  for (let d = 86400, k = 0; d <= upToS; k++, d = 86400 * [1, 2, 5][k % 3]! * 10 ** Math.floor(k / 3)) out.push(d);
  return [...new Set(out)].filter((t) => t <= upToS).sort((a, b) => a - b);
}

/**
 * The automatic grid (see above) for runs `series` (every method and replication that had
 * participants) and the simulated-time budgets shared by all methods.
 */
export function autoTimes(series: readonly Series[], sharedBudgetsS: readonly number[] = []): number[] {
  const ends = series.map(endOf).filter((t) => t > 0);
  if (ends.length === 0) return [];
  const tMax = Math.max(...ends);
  const firsts = series.map((s) => s.find((r) => r.round > 0)?.sim_time_s).filter((t): t is number => t !== undefined && t > 0);
  const tMin = Math.min(...firsts);
  let grid = niceTimes(tMax).filter((t) => t >= tMin && t < tMax);
  // Thin to at most MAX_AUTO_TIMES, keeping the largest times.
  const step = Math.ceil(grid.length / MAX_AUTO_TIMES);
  if (step > 1) grid = grid.filter((_, i) => (grid.length - 1 - i) % step === 0);
  return [...new Set([...grid, ...sharedBudgetsS.filter((b) => b <= tMax), tMax])].sort((a, b) => a - b);
}

/**
 * at_time.csv rows for one method: `replications` holds its series, one per replication.
 * With several replications, test_loss and rounds_done are means and test_loss_ci95 the half-width
 * of the 95% Student-t interval of the mean loss.
 */
export function atTimeRows(method: string, replications: readonly Series[], times: readonly number[]): AtTimeRecord[] {
  return times.map((t) => {
    const reads = replications.map((s) => readAt(s, t));
    const losses = reads.map((r) => r.testLoss).filter((l): l is number => l !== null);
    return {
      method,
      sim_time_s: t,
      test_loss: losses.length === reads.length && losses.length > 0 ? mean(losses) : null,
      test_loss_ci95: losses.length === reads.length ? ci95HalfWidth(losses) : null,
      rounds_done: mean(reads.map((r) => r.roundsDone)),
      runs_stopped: replications.filter((s) => endOf(s) <= t).length,
      replications: replications.length,
    };
  });
}
