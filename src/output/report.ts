/** report.html: the charts and the summary in one self-contained page (inline SVG, no scripts). */
import type { SummaryRecord } from './records.js';
import type { Chart } from './plots.js';
import { formatBytes, formatSeconds } from './console.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface ReportInput {
  title: string;
  description: string;
  meta: Record<string, unknown>;
  summary: readonly SummaryRecord[];
  charts: readonly Chart[];
  /** Sentences stating the findings (e.g. JCPBA's gain), already computed. */
  findings: readonly string[];
}

export function renderReport(r: ReportInput): string {
  const converge = r.summary.some((s) => s.time_to_converge_s !== null) && r.summary.every((s) => s.target_test_loss === null);
  const head = ['method', 'rounds', 'wall-clock', 'mean round', 'time to target', ...(converge ? ['time to converge'] : []), 'final test loss', 'uploaded', 'downloaded', 'energy', 'client-rounds dropped'];
  const rows = r.summary
    .map((s) =>
      [
        esc(s.method), String(s.rounds), formatSeconds(s.total_time_s), formatSeconds(s.mean_round_latency_s),
        formatSeconds(s.time_to_target_s), ...(converge ? [formatSeconds(s.time_to_converge_s)] : []), s.final_test_loss === null ? '-' : s.final_test_loss.toFixed(4),
        formatBytes(s.bytes_up), formatBytes(s.bytes_down), `${s.energy_j.toFixed(1)} J`, String(s.client_rounds_dropped),
      ].map((c, i) => `<td${i === 0 ? '' : ' class="n"'}>${c}</td>`).join(''),
    )
    .map((tr) => `<tr>${tr}</tr>`)
    .join('\n');
  // Not the command line: it depends on how airtune was called, and the page must not (same bytes).
  const meta = Object.entries(r.meta)
    .filter(([k]) => k !== 'command')
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`)
    .join('\n');
  const charts = r.charts.map((c) => `<figure><figcaption>${esc(c.title)}</figcaption>\n${c.svg}\n</figure>`).join('\n');
  const findings = r.findings.length ? `<ul>${r.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)} — airtune report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1.5em 0}figcaption{font-weight:600}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p>${esc(r.description)}</p>
<p><strong>Wall-clock</strong> from the timing model: ${esc(String(r.meta.timing_model ?? '-'))}.
<strong>Losses</strong> from: ${esc(String(r.meta.loss_model ?? '-'))}.</p>
${findings}
<h2>Summary</h2>
<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
<h2>Charts</h2>
${charts}
<h2>Run</h2>
<table>${meta}</table>
</body></html>
`;
}
