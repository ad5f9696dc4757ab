/**
 * Acceptance fuzz test (issue 10): hundreds of malformed or extreme scenario files, device files
 * and solver instances, derived from the shipped ones by a seeded generator (test/helpers/fuzz.ts),
 * go through `validate`, `run` and `solve`. Each must end with exit 0 or 2 (3 for an infeasible
 * solve), print no stack trace, and leave no NaN or Infinity in any output file, within a time and
 * memory bound (BoundedCli below: the CLI's main(argv) in a worker thread with a heap cap, terminated
 * when a case takes too long).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { spawnWorker } from '../../src/workers/spawn.js';
import {
  DEVICE_FIELDS,
  DRAW_MUTATIONS,
  RADIO_MUTATIONS,
  Rng,
  VALUE_MUTATIONS,
  deletePath,
  leafPaths,
  setPath,
  yamlAttacks,
  type Path,
} from '../helpers/fuzz.js';

const ROOT = join(import.meta.dirname, '../..');
const SCENARIOS = join(ROOT, 'scenarios');
const SHIPPED = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort();
const DEVICES_CSV = readFileSync(join(SCENARIOS, 'devices-example.csv'), 'utf8');
const INSTANCES = readdirSync(join(ROOT, 'solvers/examples')).sort();
const SOLVERS = ['exact', 'bcd', 'equal', 'bandwidth-only', 'uniform-pruning', 'pruning-only'];
const work = mkdtempSync(join(tmpdir(), 'airtune-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Command = 'validate' | 'run' | 'solve';
interface Case {
  name: string;
  command: Command;
  /** The input file: its name and content, written into the case's own folder. */
  file: string;
  content: string | Buffer;
  /** Other files of the case's folder (a device file beside the scenario). */
  extra?: Record<string, string | Buffer>;
  solver?: string;
  /** Use this path as the input instead of writing `content` (special files such as /dev/zero). */
  path?: string;
}

const shipped = (f: string) => parse(readFileSync(join(SCENARIOS, f), 'utf8')) as Record<string, unknown>;
/** Timing only and one round: `run` cases stay fast; the mutation may still change these. */
function forRun(doc: Record<string, unknown>): Record<string, unknown> {
  delete doc.training;
  doc.rounds = 1;
  return doc;
}
const yaml = (doc: unknown) => stringify(doc, { lineWidth: 0 });
const FREE_TEXT = new Set(['name', 'description', 'label', 'kind', 'id']);

/** The generated cases: deterministic in the seed. */
function scenarioCases(rng: Rng): Case[] {
  const cases: Case[] = [];
  const extra = { 'devices-example.csv': DEVICES_CSV };
  for (const f of SHIPPED) {
    // Random value mutations of random leaves: validate (12 per file) and run (3 per file).
    for (const [command, n] of [['validate', 12], ['run', 3]] as const) {
      for (let i = 0; i < n; i++) {
        const doc = command === 'run' ? forRun(shipped(f)) : shipped(f);
        const leaves = leafPaths(doc).filter((p) => command === 'validate' || !FREE_TEXT.has(String(p[p.length - 1])));
        const path = rng.pick(leaves);
        const m = rng.pick(VALUE_MUTATIONS);
        let old: unknown = doc;
        for (const seg of path) old = (old as Record<string | number, unknown>)[seg];
        setPath(doc, path, m.apply(old));
        cases.push({ name: `${command} ${f}: ${path.join('.')} = ${m.name}`, command, file: f, content: yaml(doc), extra });
      }
    }
    // Structure: a missing field, an unknown field, a __proto__ key, a duplicate key.
    const doc = shipped(f);
    const maps = leafPaths(doc).map((p) => p.slice(0, -1)).filter((p) => p.length > 0 && typeof p[p.length - 1] === 'string');
    const gone = rng.pick(leafPaths(doc));
    deletePath(doc, gone);
    cases.push({ name: `validate ${f}: without ${gone.join('.')}`, command: 'validate', file: f, content: yaml(doc), extra });
    const unknown = shipped(f);
    setPath(unknown, [...rng.pick(maps), 'colour'], 'blue');
    cases.push({ name: `validate ${f}: an unknown field`, command: 'validate', file: f, content: yaml(unknown), extra });
    const proto = shipped(f);
    setPath(proto, [...(rng.next() < 0.5 ? [] : rng.pick(maps)), '__proto__'], { polluted: 1, count: 1e9 });
    cases.push({ name: `validate ${f}: a __proto__ key`, command: 'validate', file: f, content: yaml(proto), extra });
    const text = readFileSync(join(SCENARIOS, f), 'utf8');
    cases.push({ name: `validate ${f}: duplicate key seed`, command: 'validate', file: f, content: text.replace(/^seed: .*$/m, (l) => `${l}\n${l}`), extra });
  }
  // Per-client values drawn from valid distributions that a field does not allow.
  for (const f of ['quickstart.yaml', 'cell-20-clients.yaml', 'jcpba-vs-baselines.yaml', 'whatif-llama7b.yaml']) {
    for (const field of DEVICE_FIELDS) {
      for (const command of ['validate', 'run'] as const) {
        const doc = command === 'run' ? forRun(shipped(f)) : shipped(f);
        const v = rng.pick(DRAW_MUTATIONS[field]);
        const clients = doc.clients as Record<string, unknown>;
        if (field === 'distance') delete clients.placement;
        const path: Path = clients.groups && field !== 'distance' ? ['clients', 'groups', rng.int(2), field] : ['clients', field];
        setPath(doc, path, v);
        cases.push({ name: `${command} ${f}: ${path.join('.')} = ${v}`, command, file: f, content: yaml(doc), extra });
      }
    }
  }
  // Radio values at the extreme (the radio's own fix makes these finish or be rejected).
  for (const f of ['quickstart.yaml']) {
    for (const [path, v] of RADIO_MUTATIONS) {
      const doc = forRun(shipped(f));
      const old = path.reduce<unknown>((n, s) => (n as Record<string, unknown> | undefined)?.[s as string], doc);
      setPath(doc, path, v !== null && typeof v === 'object' && old !== null && typeof old === 'object' ? { ...(old as object), ...v } : v);
      cases.push({ name: `run ${f}: ${path.join('.')} = ${JSON.stringify(v)}`, command: 'run', file: f, content: yaml(doc), extra });
    }
  }
  // Sizes and work multipliers (rejected before anything is allocated).
  const sizes: [Path, unknown][] = [
    [['clients', 'count'], 1e9],
    [['clients', 'count'], 1e6],
    [['clients', 'count'], 100_001],
    [['rounds'], 1e6],
    [['round'], { mode: 'async', buffer: 1e9 }],
    [['round'], { mode: 'async', buffer: 5_000_000 }],
    [['model', 'localSteps'], 1e15],
    [['model', 'seqLen'], 1e12],
    [['round', 'aggregationTime'], '1e308 s'],
    [['clients', 'computePower'], '1e308 W'],
    [['maxSimTime'], '-1 s'],
    [['methods'], [{ id: 'fedkseed', seeds: 1e15 }]],
    [['methods'], [{ id: 'fedlora', rank: 1e12 }]],
  ];
  for (const [path, v] of sizes) {
    for (const command of ['validate', 'run'] as const) {
      const doc = forRun(shipped('quickstart.yaml'));
      setPath(doc, path, v);
      cases.push({ name: `${command} quickstart.yaml: ${path.join('.')} = ${JSON.stringify(v)}`, command, file: 'quickstart.yaml', content: yaml(doc) });
    }
  }
  const training: [string, unknown][] = [
    ['localSteps', 1e9],
    ['batchSize', 1e9],
    ['pretrainSteps', 1e12],
    ['workers', 1e6],
    ['data', { source: 'generated-gsm8k', records: 1e9 }],
    ['data', { source: 'gsm8k', path: 'nope/missing' }],
    ['data', { source: 'gsm8k', path: '/dev/zero' }],
    ['data', { source: 'yahoo', path: '/dev/urandom' }],
    ['data', { source: 'gsm8k', path: '.' }],
    ['model', { layers: 1e9, hidden: 64, heads: 4, ffn: 256, vocab: 256, maxPositions: 64, positional: 'learned' }],
  ];
  for (const [key, v] of training) {
    const doc = shipped('quickstart.yaml');
    (doc.training as Record<string, unknown>)[key] = v;
    cases.push({ name: `validate quickstart.yaml: training.${key} = ${JSON.stringify(v)}`, command: 'validate', file: 'quickstart.yaml', content: yaml(doc) });
  }
  // The YAML parser itself.
  for (const a of yamlAttacks()) {
    cases.push({ name: `validate: ${a.name}`, command: 'validate', file: 'attack.yaml', content: a.text });
    cases.push({ name: `run: ${a.name}`, command: 'run', file: 'attack.yaml', content: a.text });
  }
  // Encodings and binary content.
  const quick = readFileSync(join(SCENARIOS, 'quickstart.yaml'));
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  const encodings: [string, Buffer][] = [
    ['random bytes', bytes],
    ['latin-1 text', Buffer.concat([quick, Buffer.from('# caf\xe9\n', 'latin1')])],
    ['UTF-16 with BOM', Buffer.from(`\ufeff${quick.toString('utf8')}`, 'utf16le')],
    ['a NUL byte', Buffer.concat([quick, Buffer.from([0])])],
    ['UTF-8 with BOM (valid)', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), quick])],
  ];
  for (const [name, content] of encodings) {
    cases.push({ name: `validate quickstart.yaml as ${name}`, command: 'validate', file: 'quickstart.yaml', content });
  }
  return cases;
}

function deviceFileCases(rng: Rng): Case[] {
  const cases: Case[] = [];
  const scenario = readFileSync(join(SCENARIOS, 'cell-device-file.yaml'), 'utf8');
  const runScenario = yaml(forRun(shipped('cell-device-file.yaml')));
  const lines = DEVICES_CSV.split('\n');
  const header = lines.findIndex((l) => l.startsWith('id,'));
  const columns = lines[header]!.split(',');
  const add = (name: string, csv: string | Buffer, command: Command = 'validate') =>
    cases.push({ name: `${command} device file: ${name}`, command, file: 'cell-device-file.yaml', content: command === 'run' ? runScenario : scenario, extra: { 'devices-example.csv': csv } });
  for (let i = 0; i < 30; i++) {
    const row = header + 1 + rng.int(12);
    const col = 2 + rng.int(columns.length - 3); // numeric columns (compute .. dropout)
    const m = rng.pick(VALUE_MUTATIONS);
    const cells = lines[row]!.split(',');
    const v = m.apply(cells[col]);
    cells[col] = typeof v === 'string' ? (v.includes(',') ? `"${v}"` : v) : String(v);
    const text = [...lines.slice(0, row), cells.join(','), ...lines.slice(row + 1)].join('\n');
    add(`row ${row + 1} ${columns[col]} = ${m.name}`, text, i % 3 === 0 ? 'run' : 'validate');
  }
  add('a UTF-8 byte-order mark (valid)', `\ufeff${DEVICES_CSV}`);
  add('a UTF-8 byte-order mark (valid)', `\ufeff${DEVICES_CSV}`, 'run');
  add('random bytes', Buffer.from(Array.from({ length: 2048 }, () => rng.int(256))));
  add('latin-1', Buffer.from(DEVICES_CSV.replace('pixel-8', 'pixel-\xe9'), 'latin1'));
  add('empty', '');
  add('header only', `${lines[header]}\n`);
  add('an unknown column', DEVICES_CSV.replace('id,kind', 'id,knd'));
  add('duplicate ids', DEVICES_CSV.replace('galaxy-s23', 'pixel-8'));
  add('a ragged row', DEVICES_CSV.replace('pixel-8,phone,', 'pixel-8,phone,,,'));
  add('an unclosed quote', DEVICES_CSV.replace('"periodic(1 h, 40 min)"', '"periodic(1 h, 40 min)'));
  add('every compute 0', DEVICES_CSV.replace(/TFLOP\/s/g, 'x').replace(/,[\d.]+ x,/g, ',0,'));
  for (const path of ['/dev/zero', '/dev/urandom', '.', 'missing.csv']) {
    cases.push({ name: `validate device file at ${path}`, command: 'validate', file: 'cell-device-file.yaml', content: scenario.replace('file: devices-example.csv', `file: ${path}`) });
  }
  return cases;
}

function solverCases(rng: Rng): Case[] {
  const cases: Case[] = [];
  const instances = INSTANCES.map((f) => ({ f, doc: parse(readFileSync(join(ROOT, 'solvers/examples', f), 'utf8')) as Record<string, unknown> }));
  for (let i = 0; i < 50; i++) {
    const { f, doc: d } = rng.pick(instances);
    const doc = structuredClone(d);
    const path = rng.pick(leafPaths(doc));
    const m = rng.pick(VALUE_MUTATIONS);
    let old: unknown = doc;
    for (const seg of path) old = (old as Record<string | number, unknown>)[seg];
    setPath(doc, path, m.apply(old));
    const solver = rng.pick(SOLVERS);
    cases.push({ name: `solve --solver ${solver} ${f}: ${path.join('.')} = ${m.name}`, command: 'solve', file: f.replace(/\.json$/, '.yaml'), content: yaml(doc), solver });
  }
  const base = instances.find((x) => x.f === 'instance-3.json')!.doc;
  const client = (base.clients as Record<string, unknown>[])[0]!;
  const extreme: [string, (d: Record<string, unknown>) => void][] = [
    ['gain 5e-324', (d) => ((d.clients as Record<string, unknown>[])[0]!.channelGain = 5e-324)],
    ['bandwidth 1e400 Hz', (d) => (d.bandwidthHz = '1e400 Hz')],
    ['bandwidth 1e-300 Hz', (d) => (d.bandwidthHz = 1e-300)],
    ['bandwidth 1 mHz', (d) => (d.bandwidthHz = 1e-3)],
    ['flops 1e308', (d) => ((d.clients as Record<string, unknown>[])[1]!.prunableFlops = 1e308)],
    ['flops 1e30 at 1 FLOP/s', (d) => Object.assign((d.clients as Record<string, unknown>[])[1]!, { prunableFlops: 1e30, flopsPerS: 1 })],
    ['gain 1e-40 and 1e12', (d) => Object.assign(d.clients as object, { 0: { ...client, channelGain: 1e-40 }, 1: { ...client, channelGain: 1e12 } })],
    ['txPower -170 dBm', (d) => ((d.clients as Record<string, unknown>[])[2]!.txPowerDbm = -170)],
    ['epsilon at beta rhobar', (d) => (d.rounds = { A: 1e9, epsilon: 1e-6, beta: 1e6 })],
    ['no clients', (d) => (d.clients = [])],
    ['10,001 clients', (d) => (d.clients = Array.from({ length: 10_001 }, () => client))],
    ['600 clients', (d) => (d.clients = Array.from({ length: 600 }, (_, k) => ({ ...client, channelGain: 1e-12 * (1 + (k % 7)) })))],
    ['memory exactly at the floor', (d) => Object.assign((d.clients as Record<string, unknown>[])[0]!, { memoryBytes: 32e9, fixedMemoryBytes: 2e9, prunableMemoryBytes: 3e10 * 1.7 })],
    ['a __proto__ client field', (d) => Object.defineProperty((d.clients as object[])[0]!, '__proto__', { value: { weight: -1 }, enumerable: true })],
  ];
  for (const [name, mutate] of extreme) {
    const doc = structuredClone(base);
    mutate(doc);
    for (const solver of name === '10,001 clients' ? ['exact'] : name === '600 clients' ? ['exact', 'bcd', 'pruning-only'] : SOLVERS) {
      cases.push({ name: `solve --solver ${solver}: ${name}`, command: 'solve', file: 'instance.json', content: JSON.stringify(doc, (_k, v: unknown) => (v === Infinity ? 1e999 : v)).replace(/null/g, '1e999'), solver });
    }
  }
  const attacks = yamlAttacks();
  for (const a of attacks.slice(0, 6)) cases.push({ name: `solve: ${a.name}`, command: 'solve', file: 'instance.yaml', content: a.text, solver: 'exact' });
  cases.push({ name: 'solve: random bytes', command: 'solve', file: 'instance.json', content: Buffer.from(Array.from({ length: 1024 }, () => rng.int(256))), solver: 'exact' });
  return cases;
}

/** Inputs that used to hang, abort V8 or grow to gigabytes. */
function hangCases(): Case[] {
  const doc = (mut: (d: Record<string, unknown>) => void) => {
    const d = forRun(shipped('quickstart.yaml'));
    mut(d);
    return yaml(d);
  };
  const run = (name: string, mut: (d: Record<string, unknown>) => void): Case => ({ name: `run quickstart.yaml: ${name}`, command: 'run', file: 'q.yaml', content: doc(mut) });
  const inst = JSON.parse(readFileSync(join(ROOT, 'solvers/examples/instance-3.json'), 'utf8')) as { clients: unknown[] };
  const big = { ...inst, clients: Array.from({ length: 5000 }, (_, k) => inst.clients[k % 3]) };
  return [
    run('clients.count 1e9', (d) => ((d.clients as Record<string, unknown>).count = 1e9)),
    run('clients.count 1e6', (d) => ((d.clients as Record<string, unknown>).count = 1e6)),
    run('rounds 1e6', (d) => (d.rounds = 1e6)),
    run('async buffer 1e9', (d) => (d.round = { mode: 'async', buffer: 1e9 })),
    run('async, every client drops out', (d) => Object.assign(d, { round: { mode: 'async', buffer: 2 }, clients: { ...(d.clients as object), dropout: 1 } })),
    run('workload.flops 1e30 (the simulated clock passes its horizon)', (d) => (d.model = { workload: { flops: '1e30 FLOP', upload: '1 GB', download: '1 GB' } })),
    run('model.localSteps 1e6 without fading', (d) => {
      (d.model as Record<string, unknown>).localSteps = 1e6;
      (d.network as Record<string, unknown>).fading = 'none';
    }),
    run('device file /dev/zero', (d) => (d.clients = { file: '/dev/zero' })),
    run('device file /dev/urandom', (d) => (d.clients = { file: '/dev/urandom' })),
    { name: 'validate quickstart.yaml: training data /dev/urandom (yahoo)', command: 'validate', file: 'q.yaml', content: yaml({ ...shipped('quickstart.yaml'), training: { data: { source: 'yahoo', path: '/dev/urandom' } } }) },
    { name: 'validate /dev/zero as the scenario file', command: 'validate', file: 'zero', content: '', path: '/dev/zero' },
    { name: 'solve /dev/zero', command: 'solve', file: 'zero', content: '', path: '/dev/zero' },
    { name: 'solve --solver bcd: 5,000 clients', command: 'solve', file: 'big.json', content: JSON.stringify(big), solver: 'bcd' },
    { name: 'solve --solver exact: 5,000 clients', command: 'solve', file: 'big.json', content: JSON.stringify(big), solver: 'exact' },
  ];
}

const rng = new Rng(20_260_610);
const CASES = [...scenarioCases(rng), ...deviceFileCases(rng), ...solverCases(rng), ...hangCases()];

const STACK = /\n\s+at \S[^\n]*:\d+:\d+\)?/;
const ALLOWED: Record<Command, number[]> = { validate: [0, 2], run: [0, 2], solve: [0, 2, 3] };

/** No CSV cell and no number in a JSON/SVG/HTML output may be NaN or Infinity. */
function nonFiniteIn(dir: string): string[] {
  const found: string[] = [];
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (f.endsWith('.csv')) {
      for (const cell of text.split(/[\n,]/)) if (/^"?-?(NaN|Inf|Infinity)"?$/.test(cell.trim())) found.push(`${f}: ${cell}`);
    } else if (/(^|[\s"'=:,(>-])-?(NaN|Infinity)([\s"',)<]|$)/m.test(text)) {
      found.push(`${f}: ${/.{0,40}(NaN|Infinity).{0,40}/.exec(text)?.[0]}`);
    }
  }
  return found;
}

function writeCase(c: Case, index: number): { dir: string; path: string } {
  const dir = join(work, `case-${index}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(c.extra ?? {})) writeFileSync(join(dir, name), content);
  if (c.path !== undefined) return { dir, path: c.path };
  const path = join(dir, c.file);
  writeFileSync(path, c.content);
  return { dir, path };
}

function argsOf(c: Case, path: string, out: string): string[] {
  if (c.command === 'solve') return ['solve', path, '--solver', c.solver ?? 'exact'];
  if (c.command === 'run') return ['run', path, '--out', out, '--quiet'];
  return ['validate', path];
}

/**
 * The CLI runs in one worker thread (in-process, no child start-up per case), bounded per case:
 * 20 s of wall time (a case takes 0.01-4 s) and 512 MB of heap. A case that hangs or exhausts memory ends the worker (it is
 * terminated and the next case gets a fresh one) and fails, instead of stalling the suite.
 */
class BoundedCli {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private next = 0;
  private pending = new Map<number, (r: { code: number; stderr: string }) => void>();

  private start(): Promise<void> {
    const w = spawnWorker(import.meta.url, '../helpers/cli-worker', { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    this.worker = w;
    this.ready = new Promise((resolve) => {
      w.on('message', (m: { ready?: boolean; id?: number; code?: number; stderr?: string }) => {
        if (m.ready) return resolve();
        this.pending.get(m.id!)?.({ code: m.code!, stderr: m.stderr! });
      });
      w.on('error', (e) => (this.fail(w, `the worker died: ${e.message}`), resolve()));
      w.on('exit', () => (this.fail(w, 'the worker exited'), resolve()));
    });
    return this.ready;
  }

  private fail(w: Worker, why: string): void {
    if (this.worker !== w) return;
    for (const resolve of this.pending.values()) resolve({ code: -1, stderr: why });
    this.pending.clear();
    this.worker = null;
  }

  async run(args: string[], timeoutMs = 20_000): Promise<{ code: number; stderr: string }> {
    if (!this.worker) await this.start();
    else await this.ready;
    const w = this.worker;
    if (!w) return { code: -1, stderr: 'the worker could not start' };
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ code: -1, stderr: `no answer within ${timeoutMs / 1000} s (the worker was terminated)` });
        this.worker = null;
        void w.terminate();
      }, timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(r);
      });
      w.postMessage({ id, args });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

const cli = new BoundedCli();
afterAll(() => cli.close());

describe('fuzz: malformed and extreme inputs end in exit 0 or 2 (3: infeasible solve), no stack trace, no NaN/Infinity out', () => {
  it('generates at least 300 cases over validate, run and solve', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(300);
    for (const command of ['validate', 'run', 'solve'] as const) expect(CASES.filter((c) => c.command === command).length).toBeGreaterThan(30);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, index) => {
    const { dir, path } = writeCase(c, index);
    const out = join(dir, 'out');
    const { code, stderr } = await cli.run(argsOf(c, path, out));
    expect(ALLOWED[c.command], `exit ${code}; stderr:\n${stderr}`).toContain(code);
    expect(stderr).not.toMatch(STACK);
    if (code === 2) expect(stderr).toContain(c.path ?? basename(path));
    if (c.command === 'run' && code === 0) expect(nonFiniteIn(out)).toEqual([]);
  });
});
