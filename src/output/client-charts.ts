/**
 * Charts drawn from clients.csv (one row per method x round x client), all measured on the
 * simulated clock: the CDF of client round latency per method, a Gantt of one round (download,
 * compute, PRB wait, upload per client), and per client the uplink bandwidth share, the pruning
 * rate and the energy. Each chart's data is computed here by a pure function (tested against
 * clients.csv) and inlined in its Vega-Lite spec.
 */
import type * as vl from 'vega-lite';
import type { ClientRecord, RoundRecord } from './records.js';
import {
  base, hzUnit, isWide, jouleUnit, linearAxis, logAxis, maxOf, methodColour, timeUnit, type Palette,
} from './chart-style.js';
import { formatSeconds } from './console.js';

type VlSpec = vl.TopLevelSpec;

/** Client-rounds whose update reached the server: they have a round latency (t_done_s). */
const ARRIVED: ReadonlySet<string> = new Set(['ok', 'stale']);

function arrived(c: ClientRecord): c is ClientRecord & { t_done_s: number } {
  return ARRIVED.has(c.status) && c.t_done_s !== null;
}

/** Methods in the palette's order, then any other, as they first appear. */
function methodsOf(records: readonly { method: string }[], palette: Palette): string[] {
  const present = new Set(records.map((r) => r.method));
  return [...[...palette.keys()].filter((m) => present.has(m)), ...[...present].filter((m) => !palette.has(m))];
}

/** A point of a method's empirical CDF of client round latency. */
export interface CdfPoint {
  method: string;
  latency_s: number;
  /** Fraction of the method's client-rounds whose latency is at most latency_s. */
  fraction: number;
}

/** Above this many client-rounds per method, the CDF keeps this many of its points (quantiles). */
export const MAX_CDF_POINTS = 400;

/**
 * Each method's empirical CDF of client round latency (t_done_s: from the round's start, or in
 * async mode the client's download start, to its update's arrival) over the client-rounds whose
 * update arrived: (x_(1), 0), then (x_(i), i / n) for the sorted latencies x_(1) <= ... <= x_(n),
 * drawn as a step line. With n > MAX_CDF_POINTS, only the points i = ceil(j n / MAX_CDF_POINTS).
 */
export function latencyCdf(clients: readonly ClientRecord[], methods: readonly string[]): CdfPoint[] {
  const out: CdfPoint[] = [];
  for (const method of methods) {
    const xs = clients.filter((c) => c.method === method && arrived(c)).map((c) => c.t_done_s!).sort((a, b) => a - b);
    const n = xs.length;
    if (n === 0) continue;
    out.push({ method, latency_s: xs[0]!, fraction: 0 });
    const idx = n <= MAX_CDF_POINTS ? xs.map((_, i) => i + 1) : Array.from({ length: MAX_CDF_POINTS }, (_, j) => Math.ceil(((j + 1) * n) / MAX_CDF_POINTS));
    for (const i of idx) out.push({ method, latency_s: xs[i - 1]!, fraction: i / n });
  }
  return out;
}

export function latencyCdfSpec(clients: readonly ClientRecord[], palette: Palette): VlSpec | null {
  const methods = methodsOf(clients.filter(arrived), palette);
  const rows = latencyCdf(clients, methods);
  if (rows.length === 0) return null;
  const xs = rows.map((r) => r.latency_s);
  const wide = isWide(xs);
  const x = wide
    ? { channel: logAxis('latency_s', 'duration', Math.min(...xs.filter((v) => v > 0)), maxOf(xs), 'client round latency'), transform: [] }
    : linearAxis('latency_s', timeUnit(maxOf(xs)), 'client round latency');
  return {
    ...base('Client round latency (CDF)', rows, [
      'clients.csv t_done_s of each client-round whose update arrived (ok, stale):',
      'from the round\'s start (async: the client\'s download start) to the arrival;',
      'simulated clock, replication 1',
    ]),
    transform: x.transform,
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: x.channel,
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of client-rounds', scale: { domain: [0, 1] } },
      color: methodColour(palette, methods),
    },
  } as unknown as VlSpec;
}

/** Which round the Gantt shows: a method label and a round, each defaulted when not given. */
export interface GanttChoice {
  method?: string;
  round?: number;
}

export interface GanttRound {
  method: string;
  round: number;
  /** Why this round, for the subtitle. */
  why: string;
}

/**
 * `METHOD`, `METHOD:ROUND` or `:ROUND` (the first method's round), as `run --gantt` takes it; null
 * when it is none of these. The round is the digits after the last colon, so a label may hold colons.
 */
export function parseGanttChoice(text: string): GanttChoice | null {
  const m = /^(.*?)(?::(\d+))?$/.exec(text.trim())!;
  const method = m[1]!.trim();
  const round = m[2] === undefined ? undefined : Number(m[2]);
  if ((method === '' && round === undefined) || (round !== undefined && !(round >= 1 && Number.isSafeInteger(round)))) return null;
  return { ...(method !== '' ? { method } : {}), ...(round !== undefined ? { round } : {}) };
}

/**
 * The round to draw: the given method (default: the first method, in the palette's order, with a
 * client whose update arrived) and round (default: that method's median-latency round, the lower
 * median of round_latency_s over its rounds with an arrived update, ties to the earlier round).
 * A method or round the run does not have (a run stopped earlier) falls back to the default,
 * said in `why`. Null when no round has an arrived update.
 */
export function chooseGanttRound(rounds: readonly RoundRecord[], clients: readonly ClientRecord[], palette: Palette, choice: GanttChoice = {}): GanttRound | null {
  const withArrival = new Set(clients.filter(arrived).map((c) => `${c.method}\u0000${c.round}`));
  const drawable = (r: RoundRecord) => r.round > 0 && withArrival.has(`${r.method}\u0000${r.round}`);
  const first = methodsOf(rounds.filter(drawable), palette)[0];
  if (first === undefined) return null;
  const asked = choice.method !== undefined && rounds.some((r) => r.method === choice.method && drawable(r)) ? choice.method : undefined;
  const method = asked ?? first;
  const own = rounds.filter((r) => r.method === method && drawable(r));
  const missing: string[] = [];
  if (choice.method !== undefined && asked === undefined) missing.push(`${choice.method} has no round with an update`);
  if (choice.round !== undefined) {
    if (own.some((r) => r.round === choice.round)) return { method, round: choice.round, why: 'the round asked for (--gantt)' };
    missing.push(`${method} has no round ${choice.round} with an update`);
  }
  const sorted = [...own].sort((a, b) => a.round_latency_s - b.round_latency_s || a.round - b.round);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const whose = asked === undefined ? 'the first method\'s' : `${method}'s`;
  const why = `${whose} median-latency round (${formatSeconds(median.round_latency_s)}; ${own.length} rounds)`;
  return { method, round: median.round, why: missing.length ? `${missing.join('; ')}: ${why}` : why };
}

export type GanttPhase = 'download' | 'compute' | 'wait for PRB' | 'upload';
export const GANTT_PHASES: readonly GanttPhase[] = ['download', 'compute', 'wait for PRB', 'upload'];

/** One bar of the Gantt: a phase of one client, in seconds from the round's start. */
export interface GanttBar {
  client: string;
  client_index: number;
  phase: GanttPhase;
  start_s: number;
  end_s: number;
}

/** Above this many clients with an arrived update, the Gantt shows the ones that finished last. */
export const MAX_GANTT_CLIENTS = 50;

/**
 * The Gantt's bars for `method`'s `round`: for each client whose update arrived, its download,
 * compute and upload (clients.csv t_download_s, t_compute_s, t_upload_s; the upload split into the
 * wait for a first PRB, wait_s, and the transfer), back to back and ending at t_done_s (so a
 * sequential method's clients start one after another). `left`: the other clients by status.
 */
export function ganttBars(clients: readonly ClientRecord[], method: string, round: number): { bars: GanttBar[]; left: Map<string, number>; clients: number } {
  const rows = clients.filter((c) => c.method === method && c.round === round);
  const left = new Map<string, number>();
  const drawn: ClientRecord[] = [];
  for (const c of rows) {
    if (arrived(c) && c.t_download_s !== null && c.t_compute_s !== null && c.t_upload_s !== null) drawn.push(c);
    else left.set(c.status, (left.get(c.status) ?? 0) + 1);
  }
  const shown = drawn.length <= MAX_GANTT_CLIENTS ? drawn : [...drawn].sort((a, b) => b.t_done_s! - a.t_done_s! || a.client - b.client).slice(0, MAX_GANTT_CLIENTS);
  const bars: GanttBar[] = [];
  for (const c of [...shown].sort((a, b) => a.client - b.client)) {
    const wait = Math.min(Math.max(0, c.wait_s ?? 0), c.t_upload_s!);
    const phases: [GanttPhase, number][] = [['download', c.t_download_s!], ['compute', c.t_compute_s!], ['wait for PRB', wait], ['upload', c.t_upload_s! - wait]];
    // The phases end at t_done_s; a start within a rounding error of 0 is the round's start.
    let t = c.t_done_s! - (c.t_download_s! + c.t_compute_s! + c.t_upload_s!);
    if (Math.abs(t) <= 1e-9 * c.t_done_s!) t = 0;
    for (const [phase, d] of phases) {
      if (phase === 'wait for PRB' && d === 0) continue;
      bars.push({ client: c.client_id, client_index: c.client, phase, start_s: t, end_s: t + d });
      t += d;
    }
  }
  return { bars, left, clients: drawn.length };
}

const PHASE_COLOURS: Record<GanttPhase, string> = { download: '#9ecae9', compute: '#bab0ac', 'wait for PRB': '#eeca3b', upload: '#54a24b' };

/**
 * The Gantt of one round. `asyncRounds` (round.mode async): a round is an aggregation and each
 * update's phases run from its client's own download start, so the bars share no start and the
 * round's end is not drawn.
 */
export function ganttSpec(rounds: readonly RoundRecord[], clients: readonly ClientRecord[], palette: Palette, choice: GanttChoice = {}, asyncRounds = false): VlSpec | null {
  const pick = chooseGanttRound(rounds, clients, palette, choice);
  if (pick === null) return null;
  const { bars, left, clients: drawn } = ganttBars(clients, pick.method, pick.round);
  if (bars.length === 0) return null;
  const rec = rounds.find((r) => r.method === pick.method && r.round === pick.round)!;
  const unit = timeUnit(Math.max(rec.round_latency_s, maxOf(bars.map((b) => b.end_s))));
  const xTitle = asyncRounds ? 'time since the client\'s download started' : 'time since the round started';
  const x = linearAxis('start_s', unit, xTitle, ['end_s']);
  const order = [...new Map(bars.map((b) => [b.client_index, b.client])).values()];
  const phases = GANTT_PHASES.filter((p) => bars.some((b) => b.phase === p));
  const notes = [pick.why, `simulated clock, replication 1${asyncRounds ? '; async: the updates aggregated in this round, each from its own start' : ''}`];
  const others = [...left].map(([s, n]) => `${n} ${s}`).join(', ');
  if (others || drawn > MAX_GANTT_CLIENTS) {
    notes.push(`not drawn: ${[drawn > MAX_GANTT_CLIENTS ? `${drawn - MAX_GANTT_CLIENTS} ok clients that finished earlier` : '', others ? `${others} (no update)` : ''].filter(Boolean).join('; ')}`);
  }
  const end = { round_end_s: rec.round_latency_s, label: 'round ends (aggregated)' };
  const endX = linearAxis('round_end_s', unit, xTitle);
  const endLayer = {
    data: { values: [end] },
    transform: endX.transform,
    layer: [
      { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: endX.channel } },
      { mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -3, dy: -2, y: 0, color: '#555' }, encoding: { x: endX.channel, text: { field: 'label' } } },
    ],
  };
  return {
    ...base(`Round ${pick.round} of ${pick.method}, client by client`, bars, notes),
    height: { step: 20 },
    layer: [
      {
        transform: x.transform,
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          x: x.channel,
          x2: { field: `end_s__${unit.name}` },
          y: { field: 'client', type: 'nominal', sort: order, title: 'client' },
          color: { field: 'phase', type: 'nominal', title: 'phase', scale: { domain: phases, range: phases.map((p) => PHASE_COLOURS[p]) } },
        },
      },
      ...(asyncRounds ? [] : [endLayer]),
    ],
  } as unknown as VlSpec;
}

/** One client's figure for one method. */
export interface ClientValue {
  method: string;
  client: string;
  client_index: number;
  value: number;
}

/**
 * Per method and client, the mean (or sum) of `field` over that client's rows where it is not
 * null (bandwidth, rho: the rounds it took part in; energy: every round, a late client spent some).
 */
export function perClient(clients: readonly ClientRecord[], field: 'bandwidth_hz' | 'rho' | 'energy_j', how: 'mean' | 'sum'): ClientValue[] {
  const acc = new Map<string, { method: string; client: string; client_index: number; sum: number; n: number }>();
  for (const c of clients) {
    const v = c[field];
    if (v === null) continue;
    const key = `${c.method}\u0000${c.client}`;
    const a = acc.get(key) ?? { method: c.method, client: c.client_id, client_index: c.client, sum: 0, n: 0 };
    a.sum += v;
    a.n++;
    acc.set(key, a);
  }
  return [...acc.values()].map((a) => ({ method: a.method, client: a.client, client_index: a.client_index, value: how === 'sum' ? a.sum : a.sum / a.n }));
}

interface PerClientChart {
  title: string;
  subtitle: string[];
  axisTitle: string;
  /** Unit of the value axis (none: a plain number such as a pruning rate). */
  unit: ((max: number) => { name: string; factor: number }) | null;
}

/** Grouped bars: one group per client (in client order), one bar per method. */
function perClientSpec(values: readonly ClientValue[], palette: Palette, c: PerClientChart): VlSpec | null {
  if (values.length === 0) return null;
  const methods = methodsOf(values, palette);
  const order = [...new Map([...values].sort((a, b) => a.client_index - b.client_index).map((v) => [v.client_index, v.client])).values()];
  const y = c.unit
    ? linearAxis('value', c.unit(maxOf(values.map((v) => v.value))), c.axisTitle)
    : { channel: { field: 'value', type: 'quantitative', title: c.axisTitle }, transform: [] };
  return {
    ...base(c.title, values as object[], c.subtitle),
    transform: y.transform,
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'client', type: 'nominal', sort: order, title: 'client', axis: { labelAngle: order.length > 8 ? -45 : 0 } },
      xOffset: { field: 'method', type: 'nominal', sort: methods },
      y: y.channel,
      color: methodColour(palette, methods, { symbolType: 'square' }),
    },
  } as unknown as VlSpec;
}

export function clientBandwidthSpec(clients: readonly ClientRecord[], palette: Palette): VlSpec | null {
  return perClientSpec(perClient(clients, 'bandwidth_hz', 'mean'), palette, {
    title: 'Uplink bandwidth per client',
    subtitle: ['clients.csv bandwidth_hz (the client\'s first uplink share in a round),', 'mean over the rounds it had one; simulated clock, replication 1'],
    axisTitle: 'mean uplink share',
    unit: hzUnit,
  });
}

export function clientPruningSpec(clients: readonly ClientRecord[], palette: Palette): VlSpec | null {
  return perClientSpec(perClient(clients, 'rho', 'mean'), palette, {
    title: 'Pruning rate per client',
    subtitle: ['clients.csv rho (the fraction of the prunable parameters the client leaves out),', 'mean over the rounds it took part in; replication 1'],
    axisTitle: 'mean pruning rate rho',
    unit: null,
  });
}

export function clientEnergySpec(clients: readonly ClientRecord[], palette: Palette): VlSpec | null {
  const values = perClient(clients, 'energy_j', 'sum');
  if (values.every((v) => v.value === 0)) return null;
  return perClientSpec(values, palette, {
    title: 'Energy per client',
    subtitle: ['clients.csv energy_j (compute and uplink transmission), summed over the', 'rounds of the run (to the method\'s stop rule); simulated clock, replication 1'],
    axisTitle: 'energy over the run',
    unit: jouleUnit,
  });
}
