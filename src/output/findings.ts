/**
 * Plain-sentence findings for the console and report. Methods are compared by time to the target
 * test loss and at equal simulated time, never over equal round counts (their rounds differ in
 * length); a method no client could take part in is said so and left out. JCPBA comes first when
 * present. Every figure says where it comes from: the simulated clock, training, or (JCPBA's time
 * to converge) a model.
 */
import type { SummaryRecord } from './records.js';
import { formatDuration, formatSeconds, withCi } from './console.js';
import { fairHorizon, lossAt, type Comparison } from '../compare/index.js';

function pct(a: number, b: number): string {
  return `${((1 - a / b) * 100).toFixed(1)}%`;
}

/**
 * The headline metric of a comparison: time to the target test loss (measured by training, on the
 * simulated clock); else, when every method has a rounds model (JCPBA allocators), the time to
 * converge computed by that model; else the mean round latency (clock). One metric for all
 * methods, never mixed.
 */
export function headlineMetric(summary: readonly SummaryRecord[]): { label: string; value: (s: SummaryRecord) => number | null } {
  const withTarget = summary.some((s) => s.target_test_loss !== null);
  if (withTarget) {
    return { label: `time to reach test loss ${summary.find((s) => s.target_test_loss !== null)!.target_test_loss}`, value: (s) => s.time_to_target_s };
  }
  if (summary.length > 0 && summary.every((s) => s.time_to_converge_s !== null)) {
    return { label: `time to converge, computed by JCPBA's rounds model (${roundsModelKind(summary)}) x realised round latency`, value: (s) => s.time_to_converge_s };
  }
  return { label: 'mean round latency (simulated clock)', value: (s) => s.mean_round_latency_s };
}

/** Said wherever JCPBA results are reported: they come from a reconstructed model. */
export const JCPBA_RECONSTRUCTION_NOTE =
  "JCPBA's equations are not public: the jcpba results (its exact solver, BCD and the baseline allocators) are on airtune's reconstruction of the JCPBA model (docs/jcpba-model.md), not the paper's.";

/** "assumed constants" / "calibrated" / "given constants" (or a mix), from rounds_model. */
function roundsModelKind(summary: readonly SummaryRecord[]): string {
  const kinds = new Set(summary.map((s) => (s.rounds_model ?? '').split(':')[0]).filter((k) => k !== ''));
  return [...kinds].map((k) => (k === 'assumed' ? 'assumed constants, not calibrated' : k === 'given' ? 'constants given in the scenario, not calibrated' : k)).join(' / ');
}

function why(s: SummaryRecord): string {
  const n = s.replications > 1 ? `${s.rounds.toFixed(1)} rounds on average` : `${s.rounds} round${s.rounds === 1 ? '' : 's'}`;
  return `its run stopped at ${withCi(s.total_time_s, s.total_time_ci95_s, formatSeconds)} (stop rule: ${s.stop_reason}, after ${n}; final test loss ${s.final_test_loss?.toFixed(4) ?? '-'})`;
}

function targetFindings(summary: readonly SummaryRecord[]): string[] {
  const out: string[] = [];
  const target = summary.find((s) => s.target_test_loss !== null)!.target_test_loss;
  const what = `test loss ${target}`;
  const value = (s: SummaryRecord) => s.time_to_target_s;
  const show = (s: SummaryRecord) => withCi(s.time_to_target_s, s.time_to_target_ci95_s, formatSeconds) + partial(s);
  const jcpbas = summary.filter((s) => s.method_id === 'jcpba');
  const focus = jcpbas.length > 1 ? jcpbas.filter((s) => /exact/.test(s.method) || s.method === 'jcpba').slice(0, 1) : jcpbas;
  const subjects = focus.length > 0 ? focus : [...summary].sort((a, b) => (value(a) ?? Infinity) - (value(b) ?? Infinity)).slice(0, 1);
  for (const f of subjects) {
    const mf = value(f);
    if (mf === null) {
      out.push(`${f.method} did not reach ${what}: ${why(f)}.`);
      continue;
    }
    for (const o of summary) {
      if (o === f || (jcpbas.length === 1 && o.method_id === 'jcpba')) continue;
      const mo = value(o);
      if (mo === null) out.push(`${f.method} reached ${what} in ${show(f)}; ${o.method} did not reach it: ${why(o)}.`);
      else if (mf === mo) out.push(`${f.method} reached ${what} in ${show(f)}, the same as ${o.method}.`);
      else if (mf < mo) out.push(`${f.method} reached ${what} in ${show(f)}, ${pct(mf, mo)} less than ${o.method} (${show(o)}); ${(mo / mf).toFixed(2)}x faster.`);
      else out.push(`${f.method} reached ${what} in ${show(f)}, ${(mf / mo).toFixed(2)}x the time of ${o.method} (${show(o)}): ${o.method} is faster.`);
    }
  }
  return out;
}

/** " (3 of 5 replications; mean over those)" when not every replication reached the target. */
function partial(s: SummaryRecord): string {
  return s.replications > 1 && s.target_reached !== null && s.target_reached < s.replications
    ? ` (${s.target_reached} of ${s.replications} replications reached it; mean over those)`
    : '';
}

/** One sentence comparing every method at the fair comparison time (src/compare fairHorizon). */
function equalTimeFinding(c: Comparison, compared: readonly SummaryRecord[]): string | null {
  const t = fairHorizon(c);
  if (t === null) return null;
  const reads = compared.map((s) => ({ s, ...lossAt(c, s.method, t), ended: c.atTime.find((r) => r.method === s.method && r.sim_time_s === t) }));
  const note = (r: (typeof reads)[number]) => {
    if (r.ended && r.ended.runs_stopped === r.ended.replications) return ` (stopped at ${withCi(r.s.total_time_s, r.s.total_time_ci95_s, formatSeconds)} by ${r.s.stop_reason})`;
    if (r.roundsDone === 0) return ' (no round finished yet)';
    return '';
  };
  const when = `At ${formatDuration(t)} of simulated time (the same for every method; the latest compared time before any run stopped, except at a plateau)`;
  if (reads.some((r) => r.loss !== null)) {
    reads.sort((a, b) => (a.loss ?? Infinity) - (b.loss ?? Infinity));
    const cells = reads.map((r) => `${r.s.method} ${withCi(r.loss, r.ci95, (v) => v.toFixed(4))}${note(r)}`);
    return `${when}, test loss (last evaluation at or before then): ${cells.join(', ')}.`;
  }
  reads.sort((a, b) => b.roundsDone - a.roundsDone);
  return `${when}, rounds done: ${reads.map((r) => `${r.s.method} ${Number(r.roundsDone.toPrecision(4))}${note(r)}`).join(', ')} (timing only: no losses to compare).`;
}

export function findings(c: Comparison): string[] {
  const out: string[] = c.summary.some((s) => s.method_id === 'jcpba') ? [JCPBA_RECONSTRUCTION_NOTE] : [];
  for (const s of c.summary) {
    if (c.excluded.includes(s.method)) {
      out.push(`${s.method}: no client could take part in any round (${s.clients_oom} of them lack the memory; stop rule: ${s.stop_reason}); left out of the comparisons.`);
    }
  }
  const compared = c.summary.filter((s) => !c.excluded.includes(s.method));
  if (compared.length < 2) return out;
  if (compared.some((s) => s.target_test_loss !== null)) out.push(...targetFindings(compared));
  else if (compared.every((s) => s.time_to_converge_s !== null)) {
    // JCPBA allocators without training: their objective, computed by the rounds model.
    const { label, value } = headlineMetric(compared);
    const best = [...compared].sort((a, b) => value(a)! - value(b)!)[0]!;
    for (const o of compared) {
      if (o !== best) out.push(`${best.method}: ${label} ${formatSeconds(value(best))}, ${pct(value(best)!, value(o)!)} less than ${o.method} (${formatSeconds(value(o))}).`);
    }
  }
  const equal = equalTimeFinding(c, compared);
  if (equal) out.push(equal);
  return out;
}
