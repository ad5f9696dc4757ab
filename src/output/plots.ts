/**
 * Charts as SVG, rendered in Node by Vega-Lite -> Vega (headless `renderer: 'none'`, no canvas or
 * browser needed). Vega-Lite is the declarative grammar the visualisation community maintains; a
 * spec is data, so the charts are easy to restyle and the same spec could be opened in the Vega
 * editor.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ClientRecord, RoundRecord, SummaryRecord } from './records.js';
import { headlineMetric } from './findings.js';
import { formatSeconds } from './console.js';
import type { LossBandPoint } from '../compare/index.js';
import {
  base, dashChannel, isWide, linearAxis, logAxis, maxOf, methodColour, methodLineChannels, methodPalette, timeUnit, HEIGHT, WIDTH,
  type MethodKey, type Palette,
} from './chart-style.js';
import {
  clientBandwidthSpec, clientEnergySpec, clientPruningSpec, ganttSpec, latencyCdfSpec, type GanttChoice,
} from './client-charts.js';

type VlSpec = vl.TopLevelSpec;

export async function renderSvg(spec: VlSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** The palette of methods known only by label (no summary): each label taken as its id. */
function paletteOf(rows: readonly { method: string }[]): Palette {
  return methodPalette([...new Set(rows.map((r) => r.method))].map((m) => ({ method: m, method_id: m })));
}

export interface LossChartOptions {
  /** The target test loss, drawn as a dashed horizontal line. */
  target?: number | null;
  /** Replications: the mean loss (step line: the model held at t) and its 95% band replace the points. */
  band?: readonly LossBandPoint[];
}

/** Test loss against simulated wall-clock time, all methods on one chart. */
export function lossVsTimeSpec(rounds: readonly RoundRecord[], timingModel: string, opts: LossChartOptions = {}, palette: Palette = paletteOf(rounds)): VlSpec | null {
  const band = opts.band && opts.band.length > 0 ? opts.band : undefined;
  const rows = band
    ? band.map((b) => ({ method: b.method, t: b.t, loss: b.mean, lo: b.lo, hi: b.hi }))
    : rounds.filter((r) => r.test_loss !== null).map((r) => ({ method: r.method, t: r.sim_time_s, loss: r.test_loss }));
  if (rows.length === 0) return null;
  // Methods' wall-clocks can differ by orders of magnitude (LoRA vs full fine-tuning): use a
  // symmetric-log axis then (it still shows t = 0), a linear one otherwise.
  const methods = [...new Set(rows.map((r) => r.method))];
  const ends = methods.map((m) => maxOf(rows.filter((r) => r.method === m).map((r) => r.t)));
  const wide = Math.max(...ends) > 20 * Math.max(1e-9, Math.min(...ends));
  const title = 'simulated wall-clock time';
  const positive = rows.map((r) => r.t).filter((t) => t > 0);
  const xs = wide
    ? { channel: logAxis('t', 'duration', Math.min(...positive), Math.max(...ends), title, true), transform: [] }
    : linearAxis('t', timeUnit(Math.max(...ends)), title);
  const x = xs.channel;
  const y = { field: 'loss', type: 'quantitative', title: 'test loss (nats/token)', scale: { zero: false } };
  const color = methodColour(palette, methods);
  const layer: Record<string, unknown>[] = [];
  if (band) {
    layer.push({ mark: { type: 'area', opacity: 0.2, interpolate: 'step-after' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } });
    layer.push({ mark: { type: 'line', interpolate: 'step-after' }, encoding: { x, y, color } });
  } else layer.push({ mark: { type: 'line', point: true }, encoding: { x, y, ...methodLineChannels(palette, methods) } });
  const target = opts.target ?? null;
  if (target !== null) {
    // The target as a dashed grey line across the chart, labelled at its left end.
    const rule = { data: { values: [{ loss: target, label: `target test loss ${target}` }] } };
    layer.push({ ...rule, mark: { type: 'rule', strokeDash: [6, 4], color: '#555' }, encoding: { y } });
    layer.push({ ...rule, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, color: '#555' }, encoding: { y, x: { value: 0 }, text: { field: 'label' } } });
  }
  // A subtitle line longer than the chart would widen the whole picture: one line per fact.
  const lossModel = rounds.find((r) => r.test_loss !== null)?.loss_model;
  const subtitle = [`timing: ${timingModel}`, ...(lossModel ? [`losses: ${lossModel}`] : []), ...(band ? ['mean over replications (last evaluation at or before t), 95% Student-t band'] : [])];
  return { ...base('Test loss against simulated wall-clock time', rows, subtitle), transform: xs.transform, layer } as unknown as VlSpec;
}

/** Realised round latency per round; the solver's planned latency (JCPBA) dashed beside it. */
export function roundLatencySpec(rounds: readonly RoundRecord[], palette: Palette = paletteOf(rounds)): VlSpec {
  const real = rounds.filter((r) => r.round > 0);
  const rows = [
    ...real.map((r) => ({ method: r.method, round: r.round, latency_s: r.round_latency_s, kind: 'realised' })),
    ...real.filter((r) => r.planned_latency_s !== null).map((r) => ({ method: r.method, round: r.round, latency_s: r.planned_latency_s!, kind: 'planned' })),
  ];
  const planned = rows.some((r) => r.kind === 'planned');
  const lat = rows.map((r) => r.latency_s).filter((v) => v > 0);
  return {
    ...base('Round latency per round', rows, planned ? ['simulated clock; dashed: the allocator\'s planned latency'] : ['simulated clock']),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round', axis: { tickMinStep: 1 } },
      y: logAxis('latency_s', 'duration', lat.length ? Math.min(...lat) : 1, maxOf(lat), 'round latency'),
      ...methodLineChannels(palette, real.map((r) => r.method)),
      ...(planned ? { strokeDash: dashChannel('kind', 'latency', ['realised', 'planned']) } : {}),
    },
  } as unknown as VlSpec;
}

export function bytesPerRoundSpec(rounds: readonly RoundRecord[], palette: Palette = paletteOf(rounds)): VlSpec {
  const rows = rounds.filter((r) => r.round > 0).flatMap((r) => [
    { method: r.method, round: r.round, bytes: Math.max(1, Math.round(r.bytes_up)), direction: 'up' },
    { method: r.method, round: r.round, bytes: Math.max(1, Math.round(r.bytes_down)), direction: 'down' },
  ]);
  const bytes = rows.map((r) => r.bytes);
  return {
    ...base('Bytes per round (all clients)', rows, ['simulated clock; a round without bytes is drawn at 1 B']),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round', axis: { tickMinStep: 1 } },
      y: logAxis('bytes', 'bytes', bytes.length ? Math.min(...bytes) : 1, maxOf(bytes), 'bytes per round'),
      ...methodLineChannels(palette, rows.map((r) => r.method)),
      strokeDash: dashChannel('direction', 'direction', ['up', 'down']),
    },
  } as unknown as VlSpec;
}

/** One bar per method: the comparison's headline metric, labelled in readable units. */
export function headlineSpec(summary: readonly SummaryRecord[], palette: Palette = methodPalette(summary)): VlSpec | null {
  const usable = summary.filter((s) => s.client_rounds_ok > 0);
  if (usable.length < 2) return null;
  const { label, value } = headlineMetric(usable);
  const reached = usable.filter((s) => value(s) !== null);
  if (reached.length === 0) return null;
  const missing = usable.filter((s) => value(s) === null).map((s) => s.method);
  const rows = reached.map((s) => ({ method: s.method, t: value(s)!, text: formatSeconds(value(s)!) })).sort((a, b) => a.t - b.t);
  const y = { field: 'method', type: 'nominal', sort: null, title: null }; // rows come sorted
  const x = linearAxis('t', timeUnit(maxOf(rows.map((r) => r.t))), 'simulated time');
  // "time to converge, computed by JCPBA's rounds model (...) x ...": the title up to the first comma, the rest below it.
  const [head, ...rest] = label.split(', ');
  const subtitle = [...(rest.length ? [rest.join(', ')] : []), ...(missing.length ? [`did not get there: ${missing.join(', ')}`] : [])];
  return {
    ...base(head!.charAt(0).toUpperCase() + head!.slice(1), rows, subtitle.length ? subtitle : undefined),
    height: { step: 26 },
    transform: x.transform,
    encoding: { y, x: x.channel },
    layer: [
      { mark: { type: 'bar' }, encoding: { color: methodColour(palette, rows.map((r) => r.method), null) } },
      { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'text' } } },
    ],
  } as unknown as VlSpec;
}

export interface Chart {
  /** The SVG's file name; its Vega-Lite spec goes beside it (specFile). */
  file: string;
  title: string;
  svg: string;
  /** The Vega-Lite spec the SVG was rendered from, data inlined. */
  spec: VlSpec;
}

/** `loss_vs_time.svg` -> `loss_vs_time.vl.json`. */
export function specFile(svgFile: string): string {
  return svgFile.replace(/\.svg$/, '') + '.vl.json';
}

/** The spec as written beside its SVG: stable JSON (2-space indent, trailing newline). */
export function specJson(spec: VlSpec): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

/** Each chart's SVG and, beside it, its Vega-Lite spec (`<name>.vl.json`, re-renders standalone). */
export function chartFiles(charts: readonly Chart[]): [string, string][] {
  return charts.flatMap((c): [string, string][] => [[c.file, c.svg], [specFile(c.file), specJson(c.spec)]]);
}

/** More of a run for the charts drawn from clients.csv. */
export interface ClientChartOptions {
  /** clients.csv's rows (the first replication's): the CDF, the Gantt and the per-client charts. */
  clients?: readonly ClientRecord[];
  /** The Gantt's round (default: the first method's median-latency round). */
  gantt?: GanttChoice;
  /** round.mode is async: the Gantt's bars start at each client's own download (ganttSpec). */
  asyncRounds?: boolean;
}

/**
 * All standard charts of a run, each only when it has something to show (the loss chart needs
 * losses, the headline two methods, the client charts clients.csv's rows). Colours come from the
 * summary's methods (chart-style.ts): a method has one colour in every chart.
 */
export async function standardCharts(
  rounds: readonly RoundRecord[],
  timingModel: string,
  summary?: readonly SummaryRecord[],
  loss: LossChartOptions = {},
  more: ClientChartOptions = {},
): Promise<Chart[]> {
  const methods: readonly MethodKey[] = summary ?? [...new Set(rounds.map((r) => r.method))].map((m) => ({ method: m, method_id: m }));
  const palette = methodPalette(methods);
  const clients = more.clients ?? [];
  const specs: [string, string, VlSpec | null][] = [
    ['loss_vs_time.svg', 'Test loss against wall-clock time', lossVsTimeSpec(rounds, timingModel, loss, palette)],
    ['round_latency.svg', 'Round latency', roundLatencySpec(rounds, palette)],
    ['bytes_per_round.svg', 'Bytes per round', bytesPerRoundSpec(rounds, palette)],
    ['time_by_method.svg', 'Headline time per method', summary ? headlineSpec(summary, palette) : null],
    ['client_latency_cdf.svg', 'Client round latency (CDF)', latencyCdfSpec(clients, palette)],
    ['round_gantt.svg', 'One round, client by client', ganttSpec(rounds, clients, palette, more.gantt, more.asyncRounds)],
    ['client_bandwidth.svg', 'Uplink bandwidth per client', clientBandwidthSpec(clients, palette)],
    ['client_pruning.svg', 'Pruning rate per client', clientPruningSpec(clients, palette)],
    ['client_energy.svg', 'Energy per client', clientEnergySpec(clients, palette)],
  ];
  const out: Chart[] = [];
  for (const [file, title, spec] of specs) if (spec) out.push({ file, title, svg: await renderSvg(spec), spec });
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
    method: r.method!,
    t: Number(toTarget ? r.time_to_target_s : r.total_time_s),
  }));
  const metric = toTarget ? 'time to target' : 'wall-clock of the run';
  const palette = methodPalette(summary.map((r) => ({ method: r.method!, method_id: r.method_id ?? r.method! })));
  const ts = rows.map((r) => r.t).filter((t) => t > 0);
  const layer = {
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: order, title: xColumn, axis: { labelAngle: 0, labelOverlap: true } },
      y: logAxis('t', 'duration', ts.length ? Math.min(...ts) : 1, maxOf(ts), metric),
      ...methodLineChannels(palette, rows.map((r) => r.method)),
    },
  };
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Sweep: ${metric} against ${xColumn}`, subtitle: [`simulated clock${toTarget ? '; the target measured by training' : ''}`], anchor: 'start' },
    data: { values: rows },
    config: { font: 'sans-serif', legend: { labelLimit: 240 } },
  };
  if (facetColumn) return { ...spec, facet: { field: 'facet', type: 'nominal', title: null }, spec: { width: 320, height: 260, ...layer } } as unknown as VlSpec;
  return { ...spec, width: WIDTH, height: HEIGHT, ...layer } as unknown as VlSpec;
}
