/**
 * Replications: the whole scenario run again with other seeds, and the summary over them.
 *
 * Seeds: replication 1 uses the scenario's seed s (so `replications: 1` is the plain run and
 * replication 1 of a replicated run is byte-identical to it); replication k >= 2 uses
 * hash32("<s>/replication/<k>") (src/random's FNV-1a + murmur3 finaliser, an unsigned 32-bit
 * integer), so every seed depends only on s and k, never on the worker that runs it.
 *
 * Summary (summary.csv, one row per method): each numeric column is the mean over replications;
 * time to target is the mean over the replications that reached the target (`target_reached` of
 * them: the others are censored, not averaged in with their run length); the `_ci95` columns are
 * half-widths of 95% Student-t intervals of the means (src/compare/stats.ts), for time to target,
 * total time and bytes. Loss at each compared time, with its interval, is in at_time.csv.
 */
import { streamSeed } from '../random/index.js';
import type { SummaryRecord } from '../output/records.js';
import { ci95HalfWidth, mean } from './stats.js';

/** The seed of replication `k` (1-based) of a scenario with seed `base`. */
export function replicationSeed(base: number, k: number): number {
  return k === 1 ? base : streamSeed(base, ['replication', k]);
}

const CI: [keyof SummaryRecord, keyof SummaryRecord][] = [
  ['total_time_s', 'total_time_ci95_s'],
  ['bytes_up', 'bytes_up_ci95'],
  ['bytes_down', 'bytes_down_ci95'],
];

/** "sim-time" when all agree, else "sim-time (3), plateau (2)" (in order of first appearance). */
function combineText(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (counts.size === 1) return values[0]!;
  return [...counts].map(([v, n]) => `${v} (${n})`).join(', ');
}

/**
 * One summary row per method from `perReplication[k]` (replication k's rows, methods in the same
 * order in every replication).
 */
export function summariseReplications(perReplication: readonly (readonly SummaryRecord[])[]): SummaryRecord[] {
  const n = perReplication.length;
  if (n === 1) return [...perReplication[0]!];
  return perReplication[0]!.map((first, m) => {
    const rows = perReplication.map((rep) => rep[m]!);
    const out: Record<string, unknown> = { ...first };
    for (const [key, value] of Object.entries(first) as [keyof SummaryRecord, unknown][]) {
      if (typeof value !== 'number' && value !== null) continue;
      const xs = rows.map((r) => r[key]).filter((x): x is number => typeof x === 'number');
      out[key] = xs.length ? mean(xs) : null;
    }
    for (const [col, ci] of CI) out[ci] = ci95HalfWidth(rows.map((r) => r[col] as number));
    const reached = rows.map((r) => r.time_to_target_s).filter((x): x is number => x !== null);
    out.time_to_target_s = reached.length ? mean(reached) : null;
    out.time_to_target_ci95_s = ci95HalfWidth(reached);
    out.target_reached = first.target_test_loss === null ? null : reached.length;
    out.target_test_loss = first.target_test_loss;
    out.replications = n;
    out.stop_reason = combineText(rows.map((r) => r.stop_reason));
    const models = rows.map((r) => r.rounds_model).filter((x): x is string => x !== null);
    out.rounds_model = models.length === 0 ? null : new Set(models).size === 1 ? models[0]! : 'calibrated per replication (see replications.csv)';
    return out as unknown as SummaryRecord;
  });
}
