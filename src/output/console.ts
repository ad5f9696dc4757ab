/** The console summary table printed at the end of a run. */
import type { AtTimeRecord, SummaryRecord } from './records.js';
import type { Comparison } from '../compare/index.js';
import type { StopRules } from '../simulation/stop.js';

export function formatSeconds(s: number | null): string {
  if (s === null) return '-';
  if (!Number.isFinite(s)) return 'inf';
  if (s >= 3600) return `${(s / 3600).toFixed(2)} h`;
  if (s >= 60) return `${(s / 60).toFixed(2)} min`;
  if (s >= 1) return `${s.toFixed(2)} s`;
  return `${(s * 1000).toFixed(1)} ms`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = b;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 2)} ${units[i]}`;
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A duration for column headers: 3 significant digits in s, min, h or d ("30 s", "1 h", "4.1 h"). */
export function formatDuration(s: number): string {
  const [v, u] = s >= 86400 ? [s / 86400, 'd'] : s >= 3600 ? [s / 3600, 'h'] : s >= 60 ? [s / 60, 'min'] : [s, 's'];
  return `${Number(v.toPrecision(3))} ${u}`;
}

/** `value` formatted, with " ± ci" when there is an interval (replications). */
export function withCi(value: number | null, ci: number | null, fmt: (v: number) => string): string {
  if (value === null) return '-';
  return ci === null ? fmt(value) : `${fmt(value)} ± ${fmt(ci)}`;
}

/**
 * The per-method table. Sources: wall-clock, mean round, uploaded, energy, dropped are measured
 * on the simulated clock; to target and final test loss by training (proxy or trace); "to
 * converge (model)" is computed by JCPBA's rounds model (shown only without a target, and labelled).
 * A method no client could take part in gets one line saying so instead of a row of zeros.
 */
export function formatSummary(summary: readonly SummaryRecord[]): string {
  const converge = summary.some((s) => s.time_to_converge_s !== null) && summary.every((s) => s.target_test_loss === null);
  const reps = summary.some((s) => s.replications > 1);
  const header = ['method', 'stopped by', 'rounds', 'wall-clock', 'mean round', 'to target', ...(converge ? ['to converge (model)'] : []), 'final test loss', 'uploaded', 'energy', 'dropped'];
  const excluded = summary.filter((s) => s.client_rounds_ok === 0);
  const rows = summary.filter((s) => s.client_rounds_ok > 0).map((s) => {
    return [
      s.method,
      s.stop_reason,
      reps ? s.rounds.toFixed(1) : String(s.rounds),
      withCi(s.total_time_s, s.total_time_ci95_s, formatSeconds),
      formatSeconds(s.mean_round_latency_s),
      withCi(s.time_to_target_s, s.time_to_target_ci95_s, formatSeconds) + (reps && s.target_reached !== null && s.target_reached < s.replications ? ` (${s.target_reached}/${s.replications})` : ''),
      ...(converge ? [formatSeconds(s.time_to_converge_s)] : []),
      s.final_test_loss === null ? '-' : s.final_test_loss.toFixed(4),
      withCi(s.bytes_up, s.bytes_up_ci95, formatBytes),
      `${s.energy_j.toFixed(1)} J`,
      reps ? s.client_rounds_dropped.toFixed(1) : String(s.client_rounds_dropped),
    ];
  });
  const notes = excluded.map((s) => `${s.method}: no client could take part in any round (${s.clients_oom} lack the memory; stop rule: ${s.stop_reason}); left out of the comparisons`);
  return [formatTable(header, rows), ...notes].join('\n');
}

/**
 * Test loss of each method at each compared time (at_time.csv): the last evaluation at or before
 * t. `*`: the run had stopped by then and holds its final model. Without losses (timing only):
 * rounds done by each time.
 */
export function formatAtTime(rows: readonly AtTimeRecord[], times: readonly number[]): string {
  if (rows.length === 0 || times.length === 0) return '';
  const withLoss = rows.some((r) => r.test_loss !== null);
  const methods = [...new Set(rows.map((r) => r.method))];
  const cell = (r: AtTimeRecord) => {
    const mark = r.runs_stopped === r.replications ? '*' : '';
    if (!withLoss) return `${Number(r.rounds_done.toPrecision(4))}${mark}`;
    return `${withCi(r.test_loss, r.test_loss_ci95, (v) => v.toFixed(r.test_loss_ci95 === null ? 4 : 3))}${mark}`;
  };
  const table = formatTable(
    ['method', ...times.map(formatDuration)],
    methods.map((m) => [m, ...times.map((t) => cell(rows.find((r) => r.method === m && r.sim_time_s === t)!))]),
  );
  const what = withLoss
    ? 'test loss at equal simulated time (the last evaluation at or before t: the model the server holds)'
    : 'rounds done at equal simulated time (no losses: timing only)';
  return `${what}:\n${table}\n* the run had stopped by then and holds its final model`;
}

/** "100 rounds, 6.00 h simulated, test loss <= 3.6, plateau (...)": a method's stop rules in words. */
export function describeStop(r: StopRules): string {
  const parts: string[] = [];
  if (r.rounds !== undefined) parts.push(`${r.rounds} rounds`);
  if (r.simTimeS !== undefined) parts.push(`${formatSeconds(r.simTimeS)} of simulated time`);
  if (r.targetTestLoss !== undefined) parts.push(`test loss <= ${r.targetTestLoss}`);
  if (r.plateau) parts.push(`plateau (${r.plateau.evaluations} evaluations without an improvement of ${r.plateau.minDelta})`);
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * The run's setup in sentences, for the console and the report: where losses come from, each
 * method's stop rules, JCPBA's rounds model (assumed, given or calibrated, and from what), the
 * replications' seeds.
 */
export function setupNotes(c: Comparison): string[] {
  const out: string[] = [`losses: ${c.first.lossModel}`];
  const rules = Object.entries(c.stopRules).map(([m, r]) => [m, describeStop(r)] as const);
  if (rules.length > 0 && rules.every(([, d]) => d === rules[0]![1])) out.push(`stop rules (every method; the first that fires ends the run): ${rules[0]![1]}`);
  else for (const [m, d] of rules) out.push(`stop rules of ${m}: ${d}`);
  for (const [m, info] of Object.entries(c.first.roundsModels)) out.push(`${m} rounds model R(rhobar) = A / (epsilon - beta rhobar): ${info.source}`);
  if (c.seeds.length > 1) {
    out.push(`replications: ${c.seeds.length} (seeds ${c.seeds.join(', ')}; the first is the scenario's, the others derived from it); means with 95% Student-t intervals (±)`);
  }
  return out;
}

/** Where each figure of the summary comes from (printed under it). */
export function sourcesLine(summary: readonly SummaryRecord[]): string {
  const model = summary.some((s) => s.time_to_converge_s !== null) && summary.every((s) => s.target_test_loss === null);
  const losses = summary.some((s) => s.final_test_loss !== null);
  return (
    'sources: wall-clock, mean round, uploaded, energy, dropped: measured on the simulated clock' +
    (losses ? '; to target, test losses: measured by training (losses above)' : '; no losses (timing only)') +
    (model ? "; to converge (model): computed by JCPBA's rounds model, not measured" : '')
  );
}
