/**
 * Plain-sentence findings for the console and report: how each method compares with the others on
 * time to target (or total wall-clock when there is no target), JCPBA first when present.
 */
import type { SummaryRecord } from './records.js';
import { formatSeconds } from './console.js';

function pct(a: number, b: number): string {
  return `${((1 - a / b) * 100).toFixed(1)}%`;
}

/**
 * The headline metric of a comparison: time to the target test loss (real training); else, when
 * every method has a rounds model (JCPBA allocators), the realised objective R(rhobar) x round
 * latency; else the run's wall-clock. One metric for all methods, never mixed.
 */
export function headlineMetric(summary: readonly SummaryRecord[]): { label: string; value: (s: SummaryRecord) => number | null } {
  const withTarget = summary.some((s) => s.target_test_loss !== null);
  if (withTarget) {
    return { label: `time to reach test loss ${summary.find((s) => s.target_test_loss !== null)!.target_test_loss}`, value: (s) => s.time_to_target_s };
  }
  if (summary.length > 0 && summary.every((s) => s.time_to_converge_s !== null)) {
    return { label: 'time to converge (rounds model x realised round latency)', value: (s) => s.time_to_converge_s };
  }
  return { label: `wall-clock time for the run's rounds`, value: (s) => s.total_time_s };
}

/** Said wherever JCPBA results are reported: they come from a reconstructed model. */
export const JCPBA_RECONSTRUCTION_NOTE =
  "JCPBA's equations are not public: the jcpba results (its exact solver, BCD and the baseline allocators) are on airtune's reconstruction of the JCPBA model (docs/jcpba-model.md), not the paper's.";

export function findings(summary: readonly SummaryRecord[]): string[] {
  const out: string[] = summary.some((s) => s.method_id === 'jcpba') ? [JCPBA_RECONSTRUCTION_NOTE] : [];
  for (const s of summary) {
    if (s.client_rounds_ok === 0) {
      out.push(`${s.method}: no client could take part in any round (${s.clients_oom} of them lack the memory); its times are not comparable.`);
    }
  }
  summary = summary.filter((s) => s.client_rounds_ok > 0);
  if (summary.length < 2) return out;
  const { label: what, value: metric } = headlineMetric(summary);
  // JCPBA first: its exact solver if several JCPBA entries, else any JCPBA entry.
  const jcpbas = summary.filter((s) => s.method_id === 'jcpba');
  const focus = jcpbas.length > 1 ? jcpbas.filter((s) => /exact/.test(s.method) || s.method === 'jcpba').slice(0, 1) : jcpbas;
  const subjects = focus.length > 0 ? focus : [...summary].sort((a, b) => (metric(a) ?? Infinity) - (metric(b) ?? Infinity)).slice(0, 1);
  for (const f of subjects) {
    const mf = metric(f);
    if (mf === null) {
      out.push(`${f.method} did not reach the target test loss within its ${f.rounds} rounds (${formatSeconds(f.total_time_s)}).`);
      continue;
    }
    for (const o of summary) {
      if (o === f || (jcpbas.length === 1 && o.method_id === 'jcpba')) continue;
      const mo = metric(o);
      if (mo === null) out.push(`${f.method}: ${what} ${formatSeconds(mf)}; ${o.method} did not get there in ${o.rounds} rounds (${formatSeconds(o.total_time_s)}).`);
      else if (mf === mo) out.push(`${f.method}: ${what} ${formatSeconds(mf)}, the same as ${o.method}.`);
      else if (mf < mo) out.push(`${f.method}: ${what} ${formatSeconds(mf)}, ${pct(mf, mo)} less than ${o.method} (${formatSeconds(mo)}); ${(mo / mf).toFixed(2)}x faster.`);
      else out.push(`${f.method}: ${what} ${formatSeconds(mf)}, ${(mf / mo).toFixed(2)}x that of ${o.method} (${formatSeconds(mo)}): ${o.method} is faster.`);
    }
  }
  return out;
}
