/**
 * What every chart shares, so figures of different runs and scenarios can sit side by side in a
 * paper: one colour per method id, legends that draw lines (and dashes) rather than dots, and
 * time, byte, bandwidth and energy axes in readable units.
 *
 * Colours: a fixed colour per method id (Vega's `tableau10` categorical scheme, the Vega-Lite
 * default, assigned by id, never by position), so FedAvg is the same blue in every figure of every
 * scenario. When one id appears under several labels (`jcpba-exact`, `jcpba-bcd`, ...), the first
 * label in the scenario's order takes the id's colour and the k-th further one the k-th tint or
 * shade of it (mixed with white or black, alternately lighter and darker) and the k-th point shape
 * (square, triangle, ...; charts with points): the family stays recognisable, the variants tell
 * apart, and both depend only on the scenario's list of methods.
 *
 * Units: a linear axis is drawn in one unit chosen from the data's largest value and named in the
 * axis title ("round latency (h)"); the data stay in SI in the spec and a Vega-Lite `calculate`
 * transform divides them, so a restyled `.vl.json` still holds the CSV's numbers. A log axis gets
 * tick values at round durations (1 s, 1 min, 1 h, ...) or powers of ten of bytes, each labelled
 * with its own unit by a Vega expression.
 */
export const WIDTH = 640;
export const HEIGHT = 320;

/**
 * `text` cut at spaces into lines of at most `max` characters. Headless Vega measures text without
 * a font (an estimate wider than the real text): a subtitle line longer than about 80 characters
 * would widen the whole SVG beyond its plot, so every subtitle line is wrapped.
 */
export function wrapText(text: string, max = 80): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The frame every chart shares: title (and subtitle lines), size, inline data, font, legend on the right. */
export function base(title: string, rows: readonly object[], subtitle?: string | string[]): Record<string, unknown> {
  const sub = subtitle === undefined ? [] : (Array.isArray(subtitle) ? subtitle : [subtitle]).flatMap((l) => wrapText(l));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: sub.length ? { text: title, subtitle: sub, anchor: 'start' } : { text: title, anchor: 'start' },
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    // Legend and axis labels up to 240 px (defaults 160 and 180 cut `jcpba-bcd-pruning-first`).
    config: { font: 'sans-serif', legend: { orient: 'right', labelLimit: 240 }, axis: { labelLimit: 240 } },
  };
}

/** The colour of each method id (tableau10). A new method adds its id here (test/output/charts.test.ts checks). */
export const METHOD_COLOURS: Readonly<Record<string, string>> = {
  fedavg: '#4c78a8',
  fedlora: '#f58518',
  jcpba: '#e45756',
  'lora-a2': '#72b7b2',
  fedkseed: '#54a24b',
  fedcybgd: '#b279a2',
  blockllm: '#9d755d',
};

/** tableau10's colours no id holds: an unknown id (a method not listed above) takes one by a hash of its id. */
const SPARE_COLOURS = ['#eeca3b', '#ff9da6', '#bab0ac'];

/** The k-th further label of an id (k >= 1): mixed with white (odd k) or black (even k), by this fraction. */
const LIGHTER = [0.42, 0.68, 0.22, 0.82];
const DARKER = [0.35, 0.58, 0.18, 0.72];

/** `base` (#rrggbb) mixed with white (a tint) or black (a shade) by `amount` in [0, 1], per sRGB channel. */
export function mix(base: string, towards: 'white' | 'black', amount: number): string {
  const target = towards === 'white' ? 255 : 0;
  const channels = [1, 3, 5].map((i) => parseInt(base.slice(i, i + 2), 16));
  return `#${channels.map((c) => Math.round(c + (target - c) * amount).toString(16).padStart(2, '0')).join('')}`;
}

/** The k-th shade of `base` (k = 0: base itself; then alternately lighter and darker). */
export function shade(base: string, k: number): string {
  if (k === 0) return base;
  const level = Math.floor((k - 1) / 2) % LIGHTER.length;
  return k % 2 === 1 ? mix(base, 'white', LIGHTER[level]!) : mix(base, 'black', DARKER[level]!);
}

/** The colour of a method id: its own, or for an id not in METHOD_COLOURS a spare one chosen by a hash of the id. */
export function idColour(id: string): string {
  const own = METHOD_COLOURS[id];
  if (own) return own;
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return SPARE_COLOURS[h % SPARE_COLOURS.length]!;
}

/** A method entry of a run: its label (the `method` column) and id (`method_id`). */
export interface MethodKey {
  method: string;
  method_id: string;
}

/** How a method is drawn: its colour, and the shape of its points. */
export interface MethodStyle {
  colour: string;
  shape: string;
}

/** Point shapes of an id's labels, in order (Vega's symbol shapes): the first is the id's own. */
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'triangle-down', 'cross', 'triangle-right', 'triangle-left'];

/** Label -> style for a run's methods, in the scenario's order (see the top of the file). */
export type Palette = ReadonlyMap<string, MethodStyle>;

export function methodPalette(methods: readonly MethodKey[]): Palette {
  const seen = new Map<string, number>();
  const out = new Map<string, MethodStyle>();
  for (const { method, method_id } of methods) {
    if (out.has(method)) continue;
    const k = seen.get(method_id) ?? 0;
    seen.set(method_id, k + 1);
    out.set(method, { colour: shade(idColour(method_id), k), shape: SHAPES[k % SHAPES.length]! });
  }
  return out;
}

/** Legend symbols drawn as short lines (a line chart's legend), not dots. */
export const LINE_LEGEND = { symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 2.5, symbolOpacity: 1 } as const;

/**
 * The `color` channel for the methods of a chart: domain = the methods present, in the palette's
 * order; range = their colours. `legend: null` hides it (a bar chart labelled on its axis).
 */
export function methodColour(palette: Palette, present: Iterable<string>, legend: object | null = LINE_LEGEND): Record<string, unknown> {
  const domain = domainOf(palette, present);
  const range = domain.map((m) => palette.get(m)?.colour ?? idColour(m));
  return { field: 'method', type: 'nominal', title: 'method', scale: { domain, range }, legend };
}

/** The methods present, in the palette's order (others, not in the summary, after them). */
function domainOf(palette: Palette, present: Iterable<string>): string[] {
  const have = new Set(present);
  const domain = [...palette.keys()].filter((m) => have.has(m));
  for (const m of have) if (!palette.has(m)) domain.push(m);
  return domain;
}

/**
 * The method channels of a line chart with points: colour, and when some id has several labels
 * here, the point shape too (one legend shows both: Vega-Lite merges legends of one field and title).
 */
export function methodLineChannels(palette: Palette, present: Iterable<string>): Record<string, unknown> {
  const domain = domainOf(palette, present);
  const shapes = domain.map((m) => palette.get(m)?.shape ?? 'circle');
  if (shapes.every((s) => s === 'circle')) return { color: methodColour(palette, domain) };
  return {
    color: methodColour(palette, domain, {}),
    shape: { field: 'method', type: 'nominal', title: 'method', scale: { domain, range: shapes }, legend: {} },
  };
}

/**
 * A `strokeDash` channel whose legend draws the dash patterns (Vega-Lite's default legend for a line
 * with points draws black dots for every dash): `values` in order, the first solid.
 */
export function dashChannel(field: string, title: string, values: readonly string[]): Record<string, unknown> {
  const patterns = [[1, 0], [6, 4], [2, 2], [8, 3, 2, 3]];
  return {
    field,
    type: 'nominal',
    title,
    scale: { domain: [...values], range: values.map((_, i) => patterns[i % patterns.length]) },
    legend: { ...LINE_LEGEND, encode: { symbols: { update: { stroke: { value: '#444' }, fill: { value: 'transparent' } } } } },
  };
}

/** A unit to draw values in: its name and how many SI units it holds. */
export interface Unit {
  name: string;
  factor: number;
}

function unitFor(max: number, units: readonly Unit[]): Unit {
  // The largest unit in which the largest value is at least 2 (so "90 min", not "1.5 h").
  let best = units[0]!;
  for (const u of units) if (Math.abs(max) >= 2 * u.factor) best = u;
  return best;
}

const TIME_UNITS: Unit[] = [
  { name: 'ms', factor: 1e-3 }, { name: 's', factor: 1 }, { name: 'min', factor: 60 }, { name: 'h', factor: 3600 }, { name: 'd', factor: 86400 },
];
const BYTE_UNITS: Unit[] = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'].map((name, i) => ({ name, factor: 1000 ** i }));
const HZ_UNITS: Unit[] = ['Hz', 'kHz', 'MHz', 'GHz'].map((name, i) => ({ name, factor: 1000 ** i }));
const JOULE_UNITS: Unit[] = ['J', 'kJ', 'MJ', 'GJ'].map((name, i) => ({ name, factor: 1000 ** i }));

export const timeUnit = (maxS: number): Unit => unitFor(maxS, TIME_UNITS);
export const byteUnit = (maxB: number): Unit => unitFor(maxB, BYTE_UNITS);
export const hzUnit = (maxHz: number): Unit => unitFor(maxHz, HZ_UNITS);
export const jouleUnit = (maxJ: number): Unit => unitFor(maxJ, JOULE_UNITS);

/** A positional channel and the transforms that feed it. */
export interface ScaledAxis {
  channel: Record<string, unknown>;
  transform: Record<string, unknown>[];
}

/**
 * A linear axis over SI field `field` drawn in `unit`: a `calculate` transform makes
 * `<field>__<unit>` and the title names the unit. `also` are fields to convert with it (a bar's end).
 */
export function linearAxis(field: string, unit: Unit, title: string, also: readonly string[] = []): ScaledAxis {
  const as = (f: string) => `${f}__${unit.name}`;
  return {
    channel: { field: as(field), type: 'quantitative', title: `${title} (${unit.name})` },
    transform: [field, ...also].map((f) => ({ calculate: `datum[${JSON.stringify(f)}] / ${unit.factor}`, as: as(f) })),
  };
}

/** A Vega expression labelling a duration in seconds with its own unit: "500 ms", "10 s", "5 min", "2 h", "1 d". */
export const DURATION_LABEL =
  "datum.value >= 86400 ? format(datum.value / 86400, '~r') + ' d' : datum.value >= 3600 ? format(datum.value / 3600, '~r') + ' h'" +
  " : datum.value >= 60 ? format(datum.value / 60, '~r') + ' min' : datum.value >= 1 || datum.value == 0 ? format(datum.value, '~r') + ' s'" +
  " : format(datum.value * 1000, '~r') + ' ms'";

/** A Vega expression labelling a byte count with a decimal SI prefix: "10 MB", "1 GB". */
export const BYTES_LABEL =
  "datum.value >= 1e15 ? format(datum.value / 1e15, '~r') + ' PB' : datum.value >= 1e12 ? format(datum.value / 1e12, '~r') + ' TB'" +
  " : datum.value >= 1e9 ? format(datum.value / 1e9, '~r') + ' GB' : datum.value >= 1e6 ? format(datum.value / 1e6, '~r') + ' MB'" +
  " : datum.value >= 1e3 ? format(datum.value / 1e3, '~r') + ' kB' : format(datum.value, '~r') + ' B'";

/** Round durations roughly a decade apart (1 ms ... 10 s, 1 min, 10 min, 1 h, 10 h, 1 d, 10 d, 100 d). */
const COARSE_DURATIONS = [1e-3, 1e-2, 0.1, 1, 10, 60, 600, 3600, 36000, 86400, 864000, 8640000];
/** Denser round durations, for a narrow range. */
const FINE_DURATIONS = [
  1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800,
  3600, 7200, 18000, 36000, 72000, 86400, 172800, 432000, 864000, 1728000, 4320000, 8640000,
];

/** The candidate tick lists of a kind, coarse first. */
function tickLists(kind: 'duration' | 'bytes'): number[][] {
  if (kind === 'duration') return [COARSE_DURATIONS, FINE_DURATIONS];
  const decades = Array.from({ length: 19 }, (_, e) => 10 ** e);
  return [decades, decades.flatMap((d) => [d, 2 * d, 5 * d])];
}

/**
 * A log axis's domain and ticks for data in [lo, hi] (lo > 0): the domain runs from the largest
 * tick at or below lo to the smallest at or above hi, so both ends are labelled; the ticks are the
 * coarse list's values in it, or the fine list's when that gives fewer than four.
 */
export function logTicks(lo: number, hi: number, kind: 'duration' | 'bytes'): { domain: [number, number]; ticks: number[] } {
  let best: { domain: [number, number]; ticks: number[] } | null = null;
  for (const list of tickLists(kind)) {
    const below = list.filter((v) => v <= lo * 1.0001);
    const above = list.filter((v) => v >= hi / 1.0001);
    const from = below.length ? below[below.length - 1]! : lo;
    const to = above.length ? above[0]! : hi;
    best = { domain: [from, to], ticks: list.filter((v) => v >= from && v <= to) };
    if (best.ticks.length >= 4) break;
  }
  return best!;
}

/**
 * A log (or symlog, from 0) axis over SI field `field` for data in [lo, hi]: tick values at round
 * durations or byte counts, each labelled with its own unit (logTicks for the domain).
 */
export function logAxis(field: string, kind: 'duration' | 'bytes', lo: number, hi: number, title: string, symlog = false): Record<string, unknown> {
  const least = kind === 'duration' ? 1e-3 : 1;
  const from = Math.max(lo, least);
  const { domain, ticks } = logTicks(from, Math.max(hi, from), kind);
  return {
    field,
    type: 'quantitative',
    title: `${title} (${symlog ? 'symmetric log scale' : 'log scale'})`,
    scale: symlog ? { type: 'symlog', domain: [0, domain[1]] } : { type: 'log', domain },
    axis: { values: symlog ? [0, ...ticks] : ticks, labelExpr: kind === 'duration' ? DURATION_LABEL : BYTES_LABEL, labelOverlap: true },
  };
}

/** Whether values spread over more than `ratio` (then a log axis reads better than a linear one). */
export function isWide(values: readonly number[], ratio = 20): boolean {
  const pos = values.filter((v) => v > 0);
  if (pos.length === 0) return false;
  return Math.max(...pos) > ratio * Math.min(...pos);
}

/** The largest of `values` (0 when empty). */
export function maxOf(values: Iterable<number>): number {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
}
