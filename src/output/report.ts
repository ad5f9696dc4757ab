/** report.html: the charts and the summary in one self-contained page (inline SVG, no scripts). */
import type { AtTimeRecord, SummaryRecord } from './records.js';
import { specFile, type Chart } from './plots.js';
import { formatBytes, formatDuration, formatSeconds, withCi } from './console.js';

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
  /** at_time.csv's rows and times: the equal-time table. */
  atTime?: { rows: readonly AtTimeRecord[]; times: readonly number[] };
  /** Lines about the run's setup shown above the findings (stop rules, rounds models, seeds). */
  notes?: readonly string[];
}

export function renderReport(r: ReportInput): string {
  const converge = r.summary.some((s) => s.time_to_converge_s !== null) && r.summary.every((s) => s.target_test_loss === null);
  // Each column with where its figures come from: the simulated clock, training, or a model.
  const cols: [string, string][] = [
    ['method', ''], ['stopped by', ''], ['rounds', 'clock'], ['wall-clock', 'clock'], ['mean round', 'clock'], ['time to target', 'training'],
    ...(converge ? [['time to converge', 'model (JCPBA rounds model)'] as [string, string]] : []),
    ['final test loss', 'training'], ['uploaded', 'clock'], ['downloaded', 'clock'], ['energy', 'clock'], ['client-rounds dropped', 'clock'],
  ];
  const num = (v: number) => (r.summary.some((s) => s.replications > 1) ? v.toFixed(1) : String(v));
  const rows = r.summary
    .map((s) =>
      s.client_rounds_ok === 0
        ? `<td>${esc(s.method)}</td><td>${esc(s.stop_reason)}</td><td colspan="${cols.length - 2}">no client could take part in any round (${s.clients_oom} lack the memory): left out of the comparisons</td>`
        : [
            esc(s.method), esc(s.stop_reason), num(s.rounds), withCi(s.total_time_s, s.total_time_ci95_s, formatSeconds), formatSeconds(s.mean_round_latency_s),
            withCi(s.time_to_target_s, s.time_to_target_ci95_s, formatSeconds), ...(converge ? [formatSeconds(s.time_to_converge_s)] : []), s.final_test_loss === null ? '-' : s.final_test_loss.toFixed(4),
            withCi(s.bytes_up, s.bytes_up_ci95, formatBytes), withCi(s.bytes_down, s.bytes_down_ci95, formatBytes), `${s.energy_j.toFixed(1)} J`, num(s.client_rounds_dropped),
          ].map((c, i) => `<td class="${i < 2 ? 't' : 'n'}">${c}</td>`).join(''),
    )
    .map((tr) => `<tr>${tr}</tr>`)
    .join('\n');
  const head = `<tr>${cols.map(([h]) => `<th>${h}</th>`).join('')}</tr>\n<tr class="src">${cols.map(([, src]) => `<td>${src}</td>`).join('')}</tr>`;
  const atTime = r.atTime && r.atTime.rows.length > 0 ? atTimeTable(r.atTime.rows, r.atTime.times) : '';
  const notes = r.notes?.length ? `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  // Not the command line: it depends on how airtune was called, and the page must not (same bytes).
  const meta = Object.entries(r.meta)
    .filter(([k]) => k !== 'command')
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`)
    .join('\n');
  // Each chart (its title is inside the SVG) with its file and a link to its Vega-Lite spec, both
  // beside report.html in the output folder.
  const charts = r.charts
    .map((c) => `<figure aria-label="${esc(c.title)}">\n${c.svg}\n<figcaption>${esc(c.file)}, spec: <a href="${esc(specFile(c.file))}">${esc(specFile(c.file))}</a></figcaption>\n</figure>`)
    .join('\n');
  const findings = r.findings.length ? `<ul>${r.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)} — airtune report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:1800px;margin:1.5em auto;padding:0 1.5em;color:#222}
p,ul{max-width:120ch}
.wide{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:1em 0;font-size:.95em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.t{white-space:nowrap}
table.meta td{overflow-wrap:anywhere}
tr.src td{font-size:.8em;color:#666}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,760px),1fr));gap:1.5em 2em;align-items:start}
figure{margin:0;min-width:0}figcaption{font-size:.8em;color:#666;margin-top:.2em}
figure svg{display:block;max-width:100%;height:auto}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p>${esc(r.description)}</p>
<p><strong>Wall-clock</strong> from the timing model: ${esc(String(r.meta.timing_model ?? '-'))}.
<strong>Losses</strong> from: ${esc(String(r.meta.loss_model ?? '-'))}.
Figures marked <em>clock</em> are measured on the simulated clock, <em>training</em> by training (the losses above),
<em>model</em> computed by JCPBA's rounds model (a reconstruction, not a measurement).</p>
${notes}
${findings}
<h2>Summary</h2>
<div class="wide"><table><thead>${head}</thead><tbody>
${rows}
</tbody></table></div>
${atTime}
<h2>Charts</h2>
<p>Each chart's Vega-Lite spec, its data included, is beside it in the output folder (<code>&lt;chart&gt;.vl.json</code>): restyle it and render it again with Vega-Lite. A method has the same colour in every chart.</p>
<div class="charts">
${charts}
</div>
<h2>Run</h2>
<div class="wide"><table class="meta">${meta}</table></div>
</body></html>
`;
}

/** The equal-time table: each method's test loss (or rounds done) at each compared time. */
function atTimeTable(rows: readonly AtTimeRecord[], times: readonly number[]): string {
  const withLoss = rows.some((x) => x.test_loss !== null);
  const methods = [...new Set(rows.map((x) => x.method))];
  const cell = (x: AtTimeRecord | undefined) => {
    if (!x) return '-';
    const mark = x.runs_stopped === x.replications ? '*' : '';
    return withLoss ? `${withCi(x.test_loss, x.test_loss_ci95, (v) => v.toFixed(4))}${mark}` : `${Number(x.rounds_done.toPrecision(4))}${mark}`;
  };
  const body = methods
    .map((m) => `<tr><td class="t">${esc(m)}</td>${times.map((t) => `<td class="n">${cell(rows.find((x) => x.method === m && x.sim_time_s === t))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<h2>At equal simulated time</h2>
<p>${withLoss ? 'Test loss of the last evaluation at or before each time (the model the server holds then; training)' : 'Rounds done by each time (timing only; clock)'}.
* the run had stopped by then and holds its final model.</p>
<div class="wide"><table><thead><tr><th>method</th>${times.map((t) => `<th class="n">${formatDuration(t)}</th>`).join('')}</tr></thead><tbody>
${body}
</tbody></table></div>`;
}
