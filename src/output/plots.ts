/**
 * Charts as SVG, rendered in Node by Vega-Lite -> Vega (headless `renderer: 'none'`, no canvas or
 * browser needed). Vega-Lite is the declarative grammar the visualisation community maintains; a
 * spec is data, so the charts are easy to restyle and the same spec could be opened in the Vega
 * editor.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { RoundRecord, SummaryRecord } from './records.js';
import { headlineMetric } from './findings.js';
import { formatSeconds } from './console.js';
import type { LossBandPoint } from '../compare/index.js';

type VlSpec = vl.TopLevelSpec;

const WIDTH = 640;
const HEIGHT = 320;

export async function renderSvg(spec: VlSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

function base(title: string, rows: object[], subtitle?: string | string[]): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: subtitle ? { text: title, subtitle, anchor: 'start' } : { text: title, anchor: 'start' },
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    config: { font: 'sans-serif', legend: { orient: 'right' } },
  };
}

export interface LossChartOptions {
  /** The target test loss, drawn as a dashed horizontal line. */
  target?: number | null;
  /** Replications: the mean loss (step line: the model held at t) and its 95% band replace the points. */
  band?: readonly LossBandPoint[];
}

/** Test loss against simulated wall-clock time, all methods on one chart. */
export function lossVsTimeSpec(rounds: readonly RoundRecord[], timingModel: string, opts: LossChartOptions = {}): VlSpec | null {
  const band = opts.band && opts.band.length > 0 ? opts.band : undefined;
  const rows = band
    ? band.map((b) => ({ method: b.method, t: b.t, loss: b.mean, lo: b.lo, hi: b.hi }))
    : rounds.filter((r) => r.test_loss !== null).map((r) => ({ method: r.method, t: r.sim_time_s, loss: r.test_loss }));
  if (rows.length === 0) return null;
  // Methods' wall-clocks can differ by orders of magnitude (LoRA vs full fine-tuning): use a
  // symmetric-log axis then (it still shows t = 0), a linear one otherwise.
  const ends = [...new Set(rows.map((r) => r.method))].map((m) => Math.max(...rows.filter((r) => r.method === m).map((r) => r.t)));
  const wide = Math.max(...ends) > 20 * Math.max(1e-9, Math.min(...ends));
  const x = {
    field: 't',
    type: 'quantitative',
    title: `simulated wall-clock time (s${wide ? ', symmetric log scale' : ''})`,
    scale: wide ? { type: 'symlog' } : {},
    ...(wide ? { axis: { values: decades(Math.max(...ends)), format: ',.0f' } } : {}),
  };
  const y = { field: 'loss', type: 'quantitative', title: 'test loss (nats/token)', scale: { zero: false } };
  const color = { field: 'method', type: 'nominal', title: 'method' };
  const layer: Record<string, unknown>[] = [];
  if (band) {
    layer.push({ mark: { type: 'area', opacity: 0.2, interpolate: 'step-after' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } });
    layer.push({ mark: { type: 'line', interpolate: 'step-after' }, encoding: { x, y, color } });
  } else layer.push({ mark: { type: 'line', point: true }, encoding: { x, y, color } });
  const target = opts.target ?? null;
  if (target !== null) {
    const rule = { data: { values: [{ loss: target, label: `target ${target}` }] } };
    layer.push({ ...rule, mark: { type: 'rule', strokeDash: [6, 4], color: '#555' }, encoding: { y } });
    layer.push({ ...rule, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, color: '#555' }, encoding: { y, x: { value: 0 }, text: { field: 'label' } } });
  }
  // A subtitle line longer than the chart would widen the whole picture: one line per fact.
  const subtitle = band ? [`timing: ${timingModel}`, 'mean over replications (last evaluation at or before t), 95% Student-t band'] : `timing: ${timingModel}`;
  return { ...base('Test loss against simulated wall-clock time', rows, subtitle), layer } as unknown as VlSpec;
}

/** 0 and the powers of ten up to `max` (tick values of a symlog time axis). */
function decades(max: number): number[] {
  const out = [0];
  for (let v = 1; v <= max * 1.0001; v *= 10) out.push(v);
  return out;
}

/** Realised round latency per round; the solver's planned latency (JCPBA) dashed beside it. */
export function roundLatencySpec(rounds: readonly RoundRecord[]): VlSpec {
  const real = rounds.filter((r) => r.round > 0);
  const rows = [
    ...real.map((r) => ({ method: r.method, round: r.round, latency: r.round_latency_s, kind: 'realised' })),
    ...real.filter((r) => r.planned_latency_s !== null).map((r) => ({ method: r.method, round: r.round, latency: r.planned_latency_s, kind: 'planned' })),
  ];
  const planned = rows.some((r) => r.kind === 'planned');
  return {
    ...base('Round latency per round', rows, planned ? 'dashed: the allocator\'s planned latency' : undefined),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round', axis: { tickMinStep: 1 } },
      y: { field: 'latency', type: 'quantitative', title: 'round latency (s)', scale: { type: 'log' } },
      color: { field: 'method', type: 'nominal', title: 'method' },
      ...(planned ? { strokeDash: { field: 'kind', type: 'nominal', title: 'latency', sort: ['realised', 'planned'] } } : {}),
    },
  } as VlSpec;
}

export function bytesPerRoundSpec(rounds: readonly RoundRecord[]): VlSpec {
  const rows = rounds.filter((r) => r.round > 0).flatMap((r) => [
    { method: r.method, round: r.round, bytes: Math.max(1, r.bytes_up), direction: 'up' },
    { method: r.method, round: r.round, bytes: Math.max(1, r.bytes_down), direction: 'down' },
  ]);
  return {
    ...base('Bytes per round (all clients)', rows),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round', axis: { tickMinStep: 1 } },
      y: { field: 'bytes', type: 'quantitative', title: 'bytes per round', scale: { type: 'log' } },
      color: { field: 'method', type: 'nominal', title: 'method' },
      strokeDash: { field: 'direction', type: 'nominal', title: 'direction' },
    },
  } as VlSpec;
}

/** One bar per method: the comparison's headline metric, labelled in readable units. */
export function headlineSpec(summary: readonly SummaryRecord[]): VlSpec | null {
  const usable = summary.filter((s) => s.client_rounds_ok > 0);
  if (usable.length < 2) return null;
  const { label, value } = headlineMetric(usable);
  const reached = usable.filter((s) => value(s) !== null);
  if (reached.length === 0) return null;
  const missing = usable.filter((s) => value(s) === null).map((s) => s.method);
  const rows = reached.map((s) => ({ method: s.method, t: value(s)!, text: formatSeconds(value(s)!) })).sort((a, b) => a.t - b.t);
  const y = { field: 'method', type: 'nominal', sort: null, title: null }; // rows come sorted
  return {
    ...base(label.charAt(0).toUpperCase() + label.slice(1), rows, missing.length ? `did not get there: ${missing.join(', ')}` : undefined),
    height: { step: 26 },
    encoding: { y, x: { field: 't', type: 'quantitative', title: 'simulated seconds' } },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'text' } } },
    ],
  } as VlSpec;
}

export interface Chart {
  file: string;
  title: string;
  svg: string;
}

/** All standard charts of a run (the loss chart only when there are losses). */
export async function standardCharts(rounds: readonly RoundRecord[], timingModel: string, summary?: readonly SummaryRecord[], loss: LossChartOptions = {}): Promise<Chart[]> {
  const specs: [string, string, VlSpec | null][] = [
    ['loss_vs_time.svg', 'Test loss against wall-clock time', lossVsTimeSpec(rounds, timingModel, loss)],
    ['round_latency.svg', 'Round latency', roundLatencySpec(rounds)],
    ['bytes_per_round.svg', 'Bytes per round', bytesPerRoundSpec(rounds)],
    ['time_by_method.svg', 'Headline time per method', summary ? headlineSpec(summary) : null],
  ];
  const out: Chart[] = [];
  for (const [file, title, spec] of specs) if (spec) out.push({ file, title, svg: await renderSvg(spec) });
  return out;
}

/**
 * A sweep's picture: each method's total wall-clock against the first swept value (in grid
 * order), one panel per value of the second swept value if there is one.
 */
export function sweepSpec(summary: readonly Record<string, string>[], xColumn: string, facetColumn?: string): VlSpec {
  const order = [...new Set(summary.map((r) => r[xColumn]!))];
  // One metric for every method (never mixed): time to target when all reached it, else run time.
  const toTarget = summary.length > 0 && summary.every((r) => r.time_to_target_s);
  const rows = summary.map((r) => ({
    x: r[xColumn],
    facet: facetColumn ? `${facetColumn} = ${r[facetColumn]}` : undefined,
    method: r.method,
    t: Number(toTarget ? r.time_to_target_s : r.total_time_s),
  }));
  const metric = toTarget ? 'time to target' : 'wall-clock of the run';
  const layer = {
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: order, title: xColumn },
      y: { field: 't', type: 'quantitative', title: `${metric} (s)`, scale: { type: 'log' } },
      color: { field: 'method', type: 'nominal', title: 'method' },
    },
  };
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Sweep: ${metric} against ${xColumn}`, anchor: 'start' },
    data: { values: rows },
    config: { font: 'sans-serif' },
  };
  if (facetColumn) return { ...spec, facet: { field: 'facet', type: 'nominal', title: null }, spec: { width: 320, height: 260, ...layer } } as VlSpec;
  return { ...spec, width: WIDTH, height: HEIGHT, ...layer } as VlSpec;
}
