/**
 * The charts of a run, end to end through `airtune run`: one colour per method in every chart of
 * two different scenarios, each chart's Vega-Lite spec beside its SVG (re-rendering to the same
 * bytes), legends that draw dashes, readable units, and the data of the charts drawn from
 * clients.csv checked against clients.csv itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli } from '../helpers/io.js';
import { renderSvg } from '../../src/output/plots.js';
import { readManifest } from '../../src/output/unit.js';
import { METHOD_COLOURS, logTicks, methodPalette, mix, timeUnit, byteUnit } from '../../src/output/chart-style.js';
import { latencyCdf, MAX_CDF_POINTS } from '../../src/output/client-charts.js';
import type { ClientRecord } from '../../src/output/records.js';
import { METHOD_IDS } from '../../src/methods/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'airtune-charts-'));

/** Two scenarios that differ in everything but method ids: other cell, clients, seed and method order and labels. */
const SCENARIOS = {
  a: `name: colours-a
seed: 5
stop: { rounds: 4 }
clients:
  count: 4
  compute: "uniform(1 TFLOP/s, 4 TFLOP/s)"
  memory: 32 GB
  placement: { disc: { radius: 300 m, minDistance: 35 m } }
network: { type: wireless, cellRadius: 300 m, bandwidth: 20 MHz, numerology: { scs: 30 kHz } }
model: { preset: gpt2-124m, seqLen: 128, batchSize: 1, localSteps: 2 }
methods: [fedavg, { id: fedlora, rank: 8 }, jcpba]
`,
  b: `name: colours-b
seed: 11
stop: { rounds: 3 }
clients:
  count: 6
  compute: "uniform(2 TFLOP/s, 8 TFLOP/s)"
  memory: 48 GB
  placement: { disc: { radius: 500 m, minDistance: 35 m } }
network: { type: wireless, cellRadius: 500 m, bandwidth: 10 MHz }
model: { preset: gpt2-124m, seqLen: 64, batchSize: 1, localSteps: 1 }
methods:
  - { id: jcpba, label: jcpba-bcd, solver: bcd }
  - { id: fedlora, rank: 4 }
  - fedavg
  - jcpba
`,
};

const out = { a: join(dir, 'out-a'), b: join(dir, 'out-b') };

beforeAll(async () => {
  for (const k of ['a', 'b'] as const) {
    const file = join(dir, `${k}.yaml`);
    writeFileSync(file, SCENARIOS[k]);
    const r = await runCli('run', file, '--out', out[k], '--quiet');
    expect(r.code, r.err).toBe(0);
  }
}, 120_000);

const svgs = (d: string) => readdirSync(d).filter((f) => f.endsWith('.svg')).sort();
const csv = (p: string) => parse(readFileSync(p, 'utf8'), { columns: true }) as Record<string, string>[];
const spec = (d: string, name: string) => JSON.parse(readFileSync(join(d, name), 'utf8')) as Record<string, any>;

/** Method label -> colours of the marks (lines, points, bars) whose Vega aria-label names that method. */
function markColours(svg: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of svg.matchAll(/<path\b[^>]*\baria-label="([^"]*)"[^>]*>/g)) {
    const method = /(?:^|; )method: ([^;]+)/.exec(m[1]!)?.[1];
    if (!method) continue;
    const colours = [...m[0].matchAll(/\b(?:fill|stroke)="(#[0-9a-f]{6})"/g)].map((x) => x[1]!);
    const set = out.get(method) ?? new Set<string>();
    for (const c of colours) set.add(c);
    out.set(method, set);
  }
  return out;
}

/** Legend entries: label -> the symbol's path attributes. */
function legendSymbols(svg: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /role-legend-symbol"[^>]*><path ([^>]*?)\/?><\/g><g class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]*)<\/text>/g;
  for (const m of svg.matchAll(re)) out.set(m[2]!, m[1]!);
  return out;
}

describe('one colour per method, in every chart and every scenario', () => {
  it('fedavg, fedlora and jcpba have their id colour in every chart of two different scenarios; a second jcpba label a shade of it', () => {
    const seen = new Map<string, Set<string>>();
    for (const k of ['a', 'b'] as const) {
      for (const f of svgs(out[k])) {
        const svg = readFileSync(join(out[k], f), 'utf8');
        for (const [method, colours] of markColours(svg)) {
          const key = `${method}`;
          const all = seen.get(key) ?? new Set<string>();
          colours.forEach((c) => all.add(c));
          seen.set(key, all);
        }
        // The legend draws each method in the colour of its marks.
        for (const [label, attrs] of legendSymbols(svg)) {
          const marks = markColours(svg).get(label);
          if (marks) expect([...marks], `${k}/${f} legend ${label}`).toContain(/stroke="(#[0-9a-f]{6})"|fill="(#[0-9a-f]{6})"/.exec(attrs)!.slice(1).find(Boolean));
        }
      }
    }
    expect(seen.get('fedavg')).toEqual(new Set([METHOD_COLOURS.fedavg]));
    expect(seen.get('fedlora')).toEqual(new Set([METHOD_COLOURS.fedlora]));
    // In b, jcpba-bcd comes first among the jcpba labels: it takes jcpba's colour, `jcpba` the first tint.
    // In a, jcpba is alone: its own colour. Each label still has exactly one colour in a run.
    expect(seen.get('jcpba-bcd')).toEqual(new Set([METHOD_COLOURS.jcpba]));
    const jcpbaA = [...markColours(readFileSync(join(out.a, 'round_latency.svg'), 'utf8')).get('jcpba')!];
    const jcpbaB = [...markColours(readFileSync(join(out.b, 'round_latency.svg'), 'utf8')).get('jcpba')!];
    expect(jcpbaA).toEqual([METHOD_COLOURS.jcpba]);
    expect(jcpbaB).toEqual([mix(METHOD_COLOURS.jcpba!, 'white', 0.42)]);
  });

  it('the specs say the same: every chart colours a method by the same scale entry', () => {
    for (const k of ['a', 'b'] as const) {
      const palette = new Map<string, string>();
      for (const f of readdirSync(out[k]).filter((n) => n.endsWith('.vl.json'))) {
        const text = readFileSync(join(out[k], f), 'utf8');
        // Every colour channel on `method`, wherever it sits in the spec (layers, encodings).
        for (const m of text.matchAll(/"field": "method",\s*"type": "nominal",\s*"title": "method",\s*"scale": \{\s*"domain": (\[[^\]]*\]),\s*"range": (\[[^\]]*\])/g)) {
          const domain = JSON.parse(m[1]!) as string[];
          const range = JSON.parse(m[2]!) as string[];
          if (!range.every((c) => /^#[0-9a-f]{6}$/.test(c))) continue; // the shape channel of the same field
          domain.forEach((d, i) => {
            if (palette.has(d)) expect(range[i], `${k}/${f} ${d}`).toBe(palette.get(d));
            palette.set(d, range[i]!);
          });
        }
      }
      expect(palette.get('fedavg')).toBe(METHOD_COLOURS.fedavg);
    }
  });

  it('every method id has its own colour; labels of one id get distinct shades; the order of other methods changes nothing', () => {
    for (const id of METHOD_IDS) expect(METHOD_COLOURS[id], id).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(METHOD_IDS.map((id) => METHOD_COLOURS[id])).size).toBe(METHOD_IDS.length);
    const one = methodPalette([{ method: 'fedavg', method_id: 'fedavg' }, { method: 'x', method_id: 'jcpba' }]);
    const other = methodPalette([{ method: 'y', method_id: 'fedkseed' }, { method: 'x', method_id: 'jcpba' }, { method: 'fedavg', method_id: 'fedavg' }]);
    expect(one.get('fedavg')).toEqual(other.get('fedavg'));
    expect(one.get('x')).toEqual(other.get('x'));
    expect(one.get('fedavg')).toEqual({ colour: METHOD_COLOURS.fedavg, shape: 'circle' });
    // Seven allocators of one id (jcpba-vs-baselines): seven colours of the jcpba family, seven point shapes.
    const many = methodPalette(['exact', 'bcd', 'equal', 'bandwidth-only', 'uniform-pruning', 'pruning-only', 'bcd-pf'].map((m) => ({ method: m, method_id: 'jcpba' })));
    expect(new Set([...many.values()].map((v) => v.colour)).size).toBe(7);
    expect(new Set([...many.values()].map((v) => v.shape)).size).toBe(7);
    expect(many.get('exact')).toEqual({ colour: METHOD_COLOURS.jcpba, shape: 'circle' });
    // A method id airtune does not know yet still gets a colour, the same every time.
    expect(methodPalette([{ method: 'new', method_id: 'fedfuture' }]).get('new')).toEqual(methodPalette([{ method: 'n2', method_id: 'fedfuture' }]).get('n2'));
  });
});

describe('every chart has its Vega-Lite spec beside it', () => {
  it('each SVG has <name>.vl.json with its data inlined, which re-renders to the same bytes; all are in the manifest and the report', async () => {
    for (const k of ['a', 'b'] as const) {
      const files = svgs(out[k]);
      expect(files).toEqual(expect.arrayContaining(['client_bandwidth.svg', 'client_energy.svg', 'client_latency_cdf.svg', 'client_pruning.svg', 'round_gantt.svg', 'round_latency.svg']));
      const manifest = readManifest(out[k])!.files;
      const report = readFileSync(join(out[k], 'report.html'), 'utf8');
      for (const f of files) {
        const name = f.replace(/\.svg$/, '.vl.json');
        expect(existsSync(join(out[k], name)), name).toBe(true);
        expect(manifest).toContain(name);
        const s = spec(out[k], name);
        expect(Array.isArray(s.data?.values), `${name} inlines its data`).toBe(true);
        const svg = readFileSync(join(out[k], f), 'utf8');
        expect(await renderSvg(s as never)).toBe(svg);
        expect(report).toContain(svg);
        expect(report).toContain(`href="${name}"`);
        // The page lays charts out at its width: each SVG scales by its viewBox.
        expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/);
        // Subtitles kept short: no chart is widened past the legend by its text.
        expect(Number(/^<svg [^>]*width="(\d+(\.\d+)?)"/.exec(svg)![1]), f).toBeLessThanOrEqual(900);
      }
      // Inline SVGs share one page: none may define an id another could shadow.
      expect(report).not.toMatch(/\bid="/);
    }
  });
});

describe('legends and axes', () => {
  it('the dash legend draws dashed lines (not black dots), the colour legend lines', () => {
    const svg = readFileSync(join(out.a, 'round_latency.svg'), 'utf8');
    const legend = legendSymbols(svg);
    expect(legend.get('planned')).toMatch(/stroke="#444"/);
    expect(legend.get('planned')).toMatch(/stroke-dasharray="6,4"/);
    expect(legend.get('planned')).toMatch(/d="M-\d+(\.\d+)?,0L\d+(\.\d+)?,0"/); // a line, not a circle
    expect(legend.get('realised')).toMatch(/stroke="#444"/);
    expect(legend.get('fedavg')).toMatch(/d="M-\d+(\.\d+)?,0L\d+(\.\d+)?,0"/);
    const bytes = legendSymbols(readFileSync(join(out.a, 'bytes_per_round.svg'), 'utf8'));
    expect(bytes.get('down')).toMatch(/stroke-dasharray="6,4"/);
  });

  it('time and byte axes are labelled in readable units', () => {
    const labels = (f: string) => [...readFileSync(join(out.a, f), 'utf8').matchAll(/role-axis-label[^]*?<\/g>/g)].flatMap((m) => [...m[0].matchAll(/>([^<>]+)<\/text>/g)].map((x) => x[1]!));
    // Round latencies from under a second (FedLoRA) to minutes (FedAvg): log axis, labels with their unit.
    expect(labels('round_latency.svg')).toEqual(expect.arrayContaining(['1 s', '10 s', '1 min']));
    expect(labels('bytes_per_round.svg')).toEqual(expect.arrayContaining(['1 MB', '100 MB', '1 GB']));
    const gantt = spec(out.a, 'round_gantt.vl.json');
    expect(gantt.layer[0].encoding.x.title).toMatch(/^time since the round started \((s|min)\)$/);
    expect(timeUnit(7200).name).toBe('h');
    expect(timeUnit(7199).name).toBe('min');
    expect(timeUnit(90).name).toBe('s');
    expect(byteUnit(2.47e9).name).toBe('GB');
    expect(byteUnit(1.5e9).name).toBe('MB');
    expect(logTicks(13, 30561, 'duration')).toEqual({ domain: [10, 36000], ticks: [10, 60, 600, 3600, 36000] });
    expect(logTicks(150, 400, 'duration').ticks).toEqual([120, 300, 600]);
  });

  it('the target test loss is a labelled dashed line on the loss chart', async () => {
    const { lossVsTimeSpec } = await import('../../src/output/plots.js');
    const rounds = [0, 1, 2].map((r) => ({ method: 'fedavg', round: r, sim_time_s: r * 100, test_loss: 4 - r * 0.3, loss_model: 'trace' })) as never[];
    const s = lossVsTimeSpec(rounds, 'workload', { target: 3.6 }) as unknown as { layer: { mark: { type: string; strokeDash?: number[] }; data?: { values: { label: string }[] } }[] };
    const rule = s.layer.find((l) => l.mark.type === 'rule')!;
    expect(rule.mark.strokeDash).toEqual([6, 4]);
    expect(rule.data!.values[0]!.label).toBe('target test loss 3.6');
  });
});

describe('charts drawn from clients.csv', () => {
  it('the CDF points are the sorted round latencies (t_done_s) of the client-rounds whose update arrived, at i/n', () => {
    const rows = csv(join(out.a, 'clients.csv'));
    const s = spec(out.a, 'client_latency_cdf.vl.json');
    const points = s.data.values as { method: string; latency_s: number; fraction: number }[];
    for (const method of ['fedavg', 'fedlora', 'jcpba']) {
      const expected = rows.filter((r) => r.method === method && (r.status === 'ok' || r.status === 'stale')).map((r) => Number(r.t_done_s)).sort((x, y) => x - y);
      const mine = points.filter((p) => p.method === method);
      expect(mine[0]).toEqual({ method, latency_s: expected[0], fraction: 0 });
      expect(mine.slice(1).map((p) => p.latency_s)).toEqual(expected);
      expect(mine.slice(1).map((p) => p.fraction)).toEqual(expected.map((_, i) => (i + 1) / expected.length));
    }
  });

  it('with many client-rounds the CDF keeps MAX_CDF_POINTS exact points, the last at 1', () => {
    const n = 1003;
    const clients = Array.from({ length: n }, (_, i) => ({ method: 'm', status: 'ok', t_done_s: ((i * 7919) % n) + 0.5 })) as unknown as ClientRecord[];
    const pts = latencyCdf(clients, ['m']);
    expect(pts).toHaveLength(MAX_CDF_POINTS + 1);
    for (const p of pts.slice(1)) expect(p.latency_s).toBe(Math.round(p.fraction * n) - 0.5); // x_(i) = i - 0.5 here
    expect(pts[pts.length - 1]!.fraction).toBe(1);
  });

  it("the Gantt draws the first method's median-latency round: each client's bars are its t_download_s, t_compute_s and t_upload_s, ending at t_done_s", () => {
    const rounds = csv(join(out.a, 'rounds.csv')).filter((r) => r.method === 'fedavg' && Number(r.round) > 0);
    const sorted = [...rounds].sort((x, y) => Number(x.round_latency_s) - Number(y.round_latency_s) || Number(x.round) - Number(y.round));
    const round = sorted[Math.floor((sorted.length - 1) / 2)]!.round;
    const s = spec(out.a, 'round_gantt.vl.json');
    expect(s.title.text).toBe(`Round ${round} of fedavg, client by client`);
    expect(s.title.subtitle[0]).toMatch(/^the first method's median-latency round/);
    const bars = s.data.values as { client: string; phase: string; start_s: number; end_s: number }[];
    const clients = csv(join(out.a, 'clients.csv')).filter((r) => r.method === 'fedavg' && r.round === round);
    expect(new Set(bars.map((b) => b.client))).toEqual(new Set(clients.filter((c) => c.status === 'ok').map((c) => c.client_id)));
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-9 * Math.max(1, Math.abs(b)));
    for (const c of clients.filter((x) => x.status === 'ok')) {
      const mine = bars.filter((b) => b.client === c.client_id);
      const len = (phase: string) => mine.filter((b) => b.phase === phase).reduce((a, b) => a + b.end_s - b.start_s, 0);
      close(len('download'), Number(c.t_download_s));
      close(len('compute'), Number(c.t_compute_s));
      close(len('wait for PRB') + len('upload'), Number(c.t_upload_s));
      close(len('wait for PRB'), Number(c.wait_s));
      close(mine[mine.length - 1]!.end_s, Number(c.t_done_s));
      close(mine[0]!.start_s, 0); // a parallel round: every client starts at the round's start
    }
  });

  it('run --gantt picks the method and round; a round the run does not have falls back to the default, said; an unknown method is exit 2', async () => {
    const file = join(dir, 'a.yaml');
    const o = join(dir, 'gantt');
    expect((await runCli('run', file, '--out', o, '--quiet', '--gantt', 'jcpba:3')).code).toBe(0);
    let s = spec(o, 'round_gantt.vl.json');
    expect(s.title.text).toBe('Round 3 of jcpba, client by client');
    expect(s.title.subtitle[0]).toBe('the round asked for (--gantt)');
    expect((await runCli('run', file, '--out', o, '--quiet', '--methods', 'jcpba,fedlora', '--gantt', 'fedlora:99')).code).toBe(0);
    s = spec(o, 'round_gantt.vl.json');
    expect(s.title.text).toMatch(/^Round \d of fedlora, client by client$/);
    expect(s.title.subtitle.join(' ')).toMatch(/^fedlora has no round 99 with an update: fedlora's median-latency round/);
    let r = await runCli('run', file, '--out', o, '--quiet', '--gantt', 'fedsgd');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--gantt fedsgd: not a method of this run (it has: fedavg, fedlora, jcpba)');
    r = await runCli('run', file, '--out', o, '--quiet', '--gantt', 'jcpba:0');
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected METHOD, METHOD:ROUND or :ROUND (e.g. jcpba:3), found "jcpba:0"');
  });

  it('async rounds: the Gantt draws each aggregated update from its own download start, without a round end', async () => {
    const o = join(dir, 'async');
    expect((await runCli('run', join(dir, 'a.yaml'), '--out', o, '--quiet', '--methods', 'fedavg', '--set', 'round.mode=async')).code).toBe(0);
    const s = spec(o, 'round_gantt.vl.json');
    expect(s.layer).toHaveLength(1);
    expect(s.layer[0].encoding.x.title).toMatch(/^time since the client's download started/);
    for (const b of (s.data.values as { phase: string; start_s: number }[]).filter((x) => x.phase === 'download')) expect(b.start_s).toBe(0);
  });

  it('per-client bandwidth, pruning rate and energy are the means (sums) of clients.csv per method and client', () => {
    const rows = csv(join(out.b, 'clients.csv'));
    const check = (file: string, field: string, how: 'mean' | 'sum') => {
      const values = spec(out.b, file).data.values as { method: string; client: string; value: number }[];
      const keys = new Set(rows.filter((r) => r[field] !== '').map((r) => `${r.method}|${r.client_id}`));
      expect(values).toHaveLength(keys.size);
      for (const v of values) {
        const xs = rows.filter((r) => r.method === v.method && r.client_id === v.client && r[field] !== '').map((r) => Number(r[field]));
        const sum = xs.reduce((a, b) => a + b, 0);
        expect(v.value).toBeCloseTo(how === 'sum' ? sum : sum / xs.length, 6);
      }
    };
    check('client_bandwidth.vl.json', 'bandwidth_hz', 'mean');
    check('client_pruning.vl.json', 'rho', 'mean');
    check('client_energy.vl.json', 'energy_j', 'sum');
  });
});
