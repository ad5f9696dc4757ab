/**
 * The input fuzzer of test/cli/fuzz-inputs.test.ts (issue 10's acceptance test): a seeded
 * generator of malformed and extreme scenario files, device files and solver instances derived
 * from the shipped ones, and a bounded runner of the CLI.
 *
 * Everything depends only on the seed: case i of seed s is the same input on every machine, so a
 * failing case is reproduced by its seed and index (FUZZ_SEED, FUZZ_CASE; see the test file).
 * The generator never calls the code under test (it builds inputs as plain data and text).
 */
import type { Worker } from 'node:worker_threads';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { spawnWorker } from '../../src/workers/spawn.js';

/** mulberry32: a small seeded PRNG, independent of src/random (the generator must not depend on the code under test). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

export type Path = (string | number)[];
type Doc = Record<string, unknown>;

/** Every path to a scalar (string, number, boolean, null) in a parsed document. */
export function leafPaths(doc: unknown, prefix: Path = []): Path[] {
  if (doc === null || typeof doc !== 'object') return [prefix];
  const out: Path[] = [];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...leafPaths(v, [...prefix, i])));
  else for (const [k, v] of Object.entries(doc)) out.push(...leafPaths(v, [...prefix, k]));
  return out;
}

/** The value at `path`, or undefined. */
export function getPath(doc: unknown, path: Path): unknown {
  let node = doc;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** Set `path` to `value`, creating mappings on the way; own properties only (a `__proto__` key is data). */
export function setPath(doc: Doc, path: Path, value: unknown): void {
  let node: Record<string | number, unknown> = doc;
  for (const seg of path.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(node, seg) ? node[seg] : undefined;
    if (next === null || typeof next !== 'object') {
      Object.defineProperty(node, seg, { value: {}, writable: true, enumerable: true, configurable: true });
    }
    node = node[seg] as Record<string | number, unknown>;
  }
  Object.defineProperty(node, path[path.length - 1]!, { value, writable: true, enumerable: true, configurable: true });
}

export function deletePath(doc: Doc, path: Path): void {
  const parent = getPath(doc, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') return;
  const last = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else delete (parent as Record<string | number, unknown>)[last];
}

/** Strip the unit of a quantity string ("20 MHz" -> 20), keep anything else. */
function bare(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*([-+]?[\d.]+(?:e[-+]?\d+)?)/i.exec(v);
  return m ? Number(m[1]) : v;
}

/** Value mutations of one scalar: what a scenario, device file or instance field might hold. */
export const VALUE_MUTATIONS: { name: string; apply: (v: unknown) => unknown }[] = [
  { name: '1e400 (number)', apply: () => Infinity },
  { name: '"1e400"', apply: () => '1e400' },
  { name: '"1e400 Hz"', apply: () => '1e400 Hz' },
  { name: '"1e308 MHz"', apply: () => '1e308 MHz' },
  { name: '1e308', apply: () => 1e308 },
  { name: '-1e308', apply: () => -1e308 },
  { name: '5e-324', apply: () => 5e-324 },
  { name: '1e-300', apply: () => 1e-300 },
  { name: '.nan', apply: () => NaN },
  { name: '-.inf', apply: () => -Infinity },
  { name: '"NaN"', apply: () => 'NaN' },
  { name: '"Infinity"', apply: () => 'Infinity' },
  { name: '"-Infinity s"', apply: () => '-Infinity s' },
  { name: '"NaN GB"', apply: () => 'NaN GB' },
  { name: '"inf dB"', apply: () => 'inf dB' },
  { name: 'zero', apply: () => 0 },
  { name: 'negative', apply: (v) => (typeof v === 'number' ? -Math.abs(v) - 1 : typeof v === 'string' ? `-${v.replace(/^[-+]/, '')}` : -1) },
  { name: 'zero with unit', apply: (v) => (typeof v === 'string' ? v.replace(/^[-+]?[\d.]+(e[-+]?\d+)?/i, '0') : 0) },
  { name: 'unit stripped', apply: bare },
  { name: 'times 1e300', apply: (v) => (typeof bare(v) === 'number' ? (bare(v) as number) * 1e300 : v) },
  { name: 'divided by 1e300', apply: (v) => (typeof bare(v) === 'number' ? (bare(v) as number) / 1e300 : v) },
  { name: 'wrong unit (kg)', apply: (v) => `${String(bare(v))} kg` },
  { name: 'wrong unit (MHz)', apply: (v) => `${String(bare(v))} MHz` },
  { name: 'wrong unit (dBm/Hz)', apply: (v) => `${String(bare(v))} dBm/Hz` },
  { name: 'a word', apply: () => 'fast' },
  { name: 'true', apply: () => true },
  { name: 'null', apply: () => null },
  { name: 'empty list', apply: () => [] },
  { name: 'a mapping', apply: () => ({ a: 1 }) },
  { name: 'long string', apply: () => 'x'.repeat(5000) },
  { name: 'huge integer 1e9', apply: () => 1e9 },
  { name: 'huge integer 1e15', apply: () => 1e15 },
  { name: 'normal(1 TFLOP/s, 50 TFLOP/s)', apply: () => 'normal(1 TFLOP/s, 50 TFLOP/s)' },
  { name: 'uniform(-1 TFLOP/s, 2 TFLOP/s)', apply: () => 'uniform(-1 TFLOP/s, 2 TFLOP/s)' },
  { name: 'choice([0 GB, 8 GB])', apply: () => 'choice([0 GB, 8 GB])' },
  { name: 'lognormal(8 GB, 1000)', apply: () => 'lognormal(8 GB, 1000)' },
  { name: 'normal(0 m, 1e300 m)', apply: () => 'normal(0 m, 1e300 m)' },
  { name: 'uniform(1, )', apply: () => 'uniform(1, )' },
  { name: 'normal(', apply: () => 'normal(' },
  { name: '"-20 GB"', apply: () => '-20 GB' },
  { name: '"1e400 GB"', apply: () => '1e400 GB' },
  { name: '"=HYPERLINK(1)"', apply: () => '=HYPERLINK("x")' },
];

/** Per-client fields whose distributions can draw values the field does not allow, and such distributions. */
export const DRAW_MUTATIONS: Record<string, string[]> = {
  compute: ['normal(1 TFLOP/s, 5 TFLOP/s)', 'uniform(-1 TFLOP/s, 2 TFLOP/s)', 'choice([0 TFLOP/s, 1 TFLOP/s])', 'lognormal(1 TFLOP/s, 900)', '1e400 TFLOP/s'],
  memory: ['-20 GB', '1e400 GB', 'normal(8 GB, 80 GB)', 'choice([0 GB, 8 GB])', 'uniform(-8 GB, 8 GB)'],
  txPower: ['-5 W', 'normal(0.2 W, 1 W)', '0 W', 'choice([23 dBm, -5 W])', '1e308 W'],
  computePower: ['1e308 W', '-1 W', 'normal(5 W, 50 W)', 'uniform(-1 W, 1 W)', '1e400 W'],
  distance: ['0 m', 'normal(100 m, 1000 m)', 'uniform(-10 m, 10 m)', '1e400 m', 'choice([0 m, 10 m])'],
  utilisation: ['1.5', 'normal(0.5, 2)', 'uniform(0, 1)', 'choice([0, 0.5])', '-0.1'],
  memoryBandwidth: ['0 GB/s', 'normal(50 GB/s, 500 GB/s)', '1e400 GB/s', '-1 GB/s', 'uniform(-1 GB/s, 1 GB/s)'],
};

/**
 * Radio values at the extreme end of what a user might write (issue 10's list and the NR models'
 * parameters): each run must finish (with no-link / no-prb statuses where clients cannot
 * communicate) or be refused with a reason; never an internal error.
 */
export const RADIO_MUTATIONS: [Path, unknown][] = [
  [['network', 'bandwidth'], '1 Hz'],
  [['network', 'bandwidth'], 20],
  [['network', 'bandwidth'], '1e400 Hz'],
  [['network', 'bandwidth'], '1e13 Hz'],
  [['network', 'outageSnr'], '1000 dB'],
  [['network', 'outageSnr'], '-1000 dB'],
  [['network', 'noise'], { psd: '+50 dBm/Hz' }],
  [['network', 'noise'], { psd: '-300 dBm/Hz' }],
  [['network', 'shadowing'], { sigma: '1000 dB' }],
  [['network', 'shadowing'], { sigma: '40 dB', mode: 'per-round' }],
  [['clients', 'txPower'], '-100 dBm'],
  [['clients', 'txPower'], '90 dBm'],
  [['network', 'cellRadius'], '1e400 m'],
  [['network', 'cellRadius'], '1e8 m'],
  [['network', 'pathLoss'], { model: 'log-distance', exponent: 1e6, refLoss: '40 dB' }],
  [['network', 'pathLoss'], { model: 'log-distance', exponent: 0.001, refLoss: '-500 dB' }],
  [['network', 'fading'], { model: 'rayleigh', coherenceTime: '1 us' }],
  [['network', 'fading'], { model: 'rician', kFactor: '1000 dB' }],
  [['network', 'linkModel'], { kind: 'attenuated-shannon', seMax: 1e300 }],
  [['network', 'linkModel'], { kind: 'nr-mcs', blerTarget: 0 }],
  [['network', 'powerControl'], { p0: '-300 dBm', alpha: 1 }],
  [['network', 'powerControl'], { p0: '300 dBm', alpha: 0 }],
  [['network', 'interference'], { iot: '1000 dB' }],
  [['network', 'uplink'], { noiseFigure: '1000 dB' }],
  [['network', 'downlink'], { txPower: '-100 dBm', mode: 'unicast' }],
  [['network', 'numerology'], { scs: '15 kHz' }],
  [['network', 'numerology'], { scs: '17 kHz' }],
];

/** YAML texts that attack the parser itself. */
export function yamlAttacks(): { name: string; text: string }[] {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(97 + i - 1);
    const cur = String.fromCharCode(97 + i);
    bomb.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  }
  return [
    { name: 'alias bomb', text: `${bomb.join('\n')}\n` },
    { name: 'undefined alias', text: 'name: *nope\nseed: 1\n' },
    { name: 'merge key with unknown anchor', text: 'name: x\nclients:\n  <<: *defaults\n  count: 3\n' },
    { name: 'an alias as a key', text: 'a: &k x\n*k : 1\n' },
    { name: 'deep flow nesting', text: `name: ${'['.repeat(5000)}${']'.repeat(5000)}\n` },
    { name: 'deep block nesting', text: Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + `\n${' '.repeat(400)}b: 1\n` },
    { name: '20,000 keys in one mapping', text: Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`).join('\n') },
    { name: 'a 2 MB comment', text: `name: x\n# ${'x'.repeat(2 * 1024 * 1024)}\n` },
    { name: 'empty file', text: '' },
    { name: 'a bare scalar', text: '42\n' },
    { name: 'a list', text: '- 1\n- 2\n' },
    { name: 'two documents', text: 'name: a\n---\nname: b\n' },
    { name: 'tab indentation', text: 'name: x\nclients:\n\tcount: 3\n' },
    { name: 'unclosed quote', text: 'name: "x\nseed: 1\n' },
    { name: 'a key that is a list', text: '? [a, b]\n: 1\n' },
    { name: 'a __proto__ key at the top', text: '__proto__: { polluted: 1 }\nname: x\n' },
    { name: 'a constructor key', text: 'constructor: { prototype: { polluted: 1 } }\nname: x\n' },
    { name: 'custom tag', text: 'name: !!js/function "function(){}"\n' },
  ];
}

export type Command = 'validate' | 'run' | 'solve';

export interface Case {
  /** Human description: what was mutated, where (printed on failure). */
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
  /** A bad command-line option rather than a bad file: its exit-2 message names the option, not the file. */
  badOption?: string;
}

const ROOT = join(import.meta.dirname, '../..');
const SCENARIOS = join(ROOT, 'scenarios');
export const SOLVERS = ['exact', 'bcd', 'equal', 'bandwidth-only', 'uniform-pruning', 'pruning-only'];

/** The shipped inputs the cases derive from (read once). */
interface Sources {
  scenarios: string[];
  text: (f: string) => string;
  devicesCsv: string;
  instances: { f: string; doc: Doc }[];
}

function sources(): Sources {
  const scenarios = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort();
  const texts = new Map(scenarios.map((f) => [f, readFileSync(join(SCENARIOS, f), 'utf8')]));
  const dir = join(ROOT, 'solvers/examples');
  return {
    scenarios,
    text: (f) => texts.get(f)!,
    devicesCsv: readFileSync(join(SCENARIOS, 'devices-example.csv'), 'utf8'),
    instances: readdirSync(dir)
      .sort()
      .map((f) => ({ f, doc: parse(readFileSync(join(dir, f), 'utf8')) as Doc })),
  };
}

const yaml = (doc: unknown) => stringify(doc, { lineWidth: 0 });
/** Fields whose value is free text: a mutation there proves little in a `run` (it is a label). */
const FREE_TEXT = new Set(['name', 'description', 'label', 'kind', 'id']);

/**
 * A scenario made cheap to run: timing only (no training), one round, one replication, at most 6
 * clients. The mutation applied afterwards may still change any of these.
 */
function forRun(doc: Doc): Doc {
  delete doc.training;
  delete doc.rounds;
  delete doc.maxSimTime;
  doc.stop = { rounds: 1 };
  doc.replications = 1;
  delete doc.sweep;
  const clients = doc.clients as Doc | undefined;
  if (clients && typeof clients.count === 'number') clients.count = Math.min(clients.count, 6);
  for (const m of (doc.methods as unknown[] | undefined) ?? []) {
    if (m !== null && typeof m === 'object') {
      delete (m as Doc).stop;
      if ((m as Doc).roundsModel === 'calibrated') delete (m as Doc).roundsModel;
    }
  }
  return doc;
}

/** Generate every case of `seed`: deterministic in the seed and the shipped files. */
export function generateCases(seed: number): Case[] {
  const rng = new Rng(seed);
  const src = sources();
  const shipped = (f: string) => parse(src.text(f)) as Doc;
  // The device file travels with every scenario case (cell-device-file.yaml points to it).
  const extra = { 'devices-example.csv': src.devicesCsv };
  const cases: Case[] = [];

  // 1. Random value mutations of random leaves of every shipped scenario.
  for (const f of src.scenarios) {
    for (const [command, n] of [['validate', 10], ['run', 3]] as const) {
      for (let i = 0; i < n; i++) {
        const doc = command === 'run' ? forRun(shipped(f)) : shipped(f);
        const leaves = leafPaths(doc).filter((p) => command === 'validate' || !FREE_TEXT.has(String(p[p.length - 1])));
        const path = rng.pick(leaves);
        const m = rng.pick(VALUE_MUTATIONS);
        setPath(doc, path, m.apply(getPath(doc, path)));
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
    cases.push({ name: `validate ${f}: duplicate key seed`, command: 'validate', file: f, content: src.text(f).replace(/^seed: .*$/m, (l) => `${l}\n${l}`), extra });
  }

  // 2. Per-client values drawn from valid distributions that the field does not allow.
  for (const f of ['quickstart.yaml', 'cell-20-clients.yaml', 'methods-comparison.yaml']) {
    for (const field of Object.keys(DRAW_MUTATIONS)) {
      for (const command of ['validate', 'run'] as const) {
        const doc = command === 'run' ? forRun(shipped(f)) : shipped(f);
        const v = rng.pick(DRAW_MUTATIONS[field]!);
        const clients = doc.clients as Doc;
        if (field === 'distance') delete clients.placement;
        const groups = clients.groups as unknown[] | undefined;
        const path: Path = groups && field !== 'distance' ? ['clients', 'groups', rng.int(groups.length), field] : ['clients', field];
        setPath(doc, path, v);
        cases.push({ name: `${command} ${f}: ${path.join('.')} = ${v}`, command, file: f, content: yaml(doc), extra });
      }
    }
  }

  // 3. Radio values at the extreme (each run finishes with statuses, or is refused with a reason).
  for (const [path, v] of RADIO_MUTATIONS) {
    const doc = forRun(shipped(rng.next() < 0.5 ? 'quickstart.yaml' : 'cell-20-clients.yaml'));
    const old = getPath(doc, path);
    setPath(doc, path, v !== null && typeof v === 'object' && old !== null && typeof old === 'object' ? { ...(old as object), ...v } : v);
    if (path[0] === 'clients') for (const g of ((doc.clients as Doc).groups as Doc[] | undefined) ?? []) delete g[path[1] as string];
    cases.push({ name: `run (radio): ${path.join('.')} = ${JSON.stringify(v)}`, command: 'run', file: 'radio.yaml', content: yaml(doc) });
  }

  // 4. Sizes and work multipliers: refused before anything is allocated (validate and run).
  const sizes: [Path, unknown][] = [
    [['clients', 'count'], 1e9],
    [['clients', 'count'], 1e6],
    [['clients', 'count'], 100_001],
    [['stop', 'rounds'], 1e6],
    [['rounds'], 1e6],
    [['replications'], 1e6],
    [['round'], { mode: 'async', buffer: 1e9 }],
    [['round'], { mode: 'async', buffer: 5_000_000 }],
    [['model', 'localSteps'], 1e15],
    [['model', 'seqLen'], 1e12],
    [['round', 'aggregationTime'], '1e308 s'],
    [['clients', 'computePower'], '1e308 W'],
    [['maxSimTime'], '-1 s'],
    [['stop', 'simTime'], '1e400 s'],
    [['stop', 'plateau'], { evaluations: 1e15 }],
    [['compare', 'at'], ['-1 s', '1e400 s']],
    [['methods'], [{ id: 'fedkseed', seeds: 1e15 }]],
    [['methods'], [{ id: 'fedlora', rank: 1e12 }]],
    [['methods'], [{ id: 'blockllm', numBottomToSample: 1e12 }]],
    [['methods'], [{ id: 'jcpba', roundsModel: { A: 1e300, epsilon: 1e-300, beta: 1 } }]],
  ];
  for (const [path, v] of sizes) {
    for (const command of ['validate', 'run'] as const) {
      const doc = forRun(shipped('quickstart.yaml'));
      if (path[0] === 'rounds') delete doc.stop;
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
    ['source', 'trace'],
    ['file', '/dev/zero'],
  ];
  for (const [key, v] of training) {
    const doc = shipped('quickstart.yaml');
    if (key === 'file') doc.training = { source: 'trace', file: v };
    else (doc.training as Doc)[key] = v;
    cases.push({ name: `validate quickstart.yaml: training.${key} = ${JSON.stringify(v)}`, command: 'validate', file: 'quickstart.yaml', content: yaml(doc) });
  }
  // A loss trace that is not one (training.source: trace).
  for (const [what, trace] of [
    ['random bytes', Buffer.from(Array.from({ length: 2048 }, () => rng.int(256)))],
    ['NaN and 1e400 losses', 'method,round,test_loss\nfedavg,0,NaN\nfedavg,1,1e400\nfedavg,2,-1\n'],
    ['an unknown method and a huge round', 'method,round,test_loss\nnope,1e15,2\n'],
  ] as const) {
    const doc = forRun(shipped('methods-comparison.yaml'));
    doc.training = { source: 'trace', file: 'losses.csv' };
    for (const command of ['validate', 'run'] as const) {
      cases.push({ name: `${command} methods-comparison.yaml with a loss trace of ${what}`, command, file: 'trace.yaml', content: yaml(doc), extra: { 'losses.csv': trace } });
    }
  }

  // 5. The YAML parser itself.
  for (const a of yamlAttacks()) {
    cases.push({ name: `validate: ${a.name}`, command: 'validate', file: 'attack.yaml', content: a.text });
    cases.push({ name: `run: ${a.name}`, command: 'run', file: 'attack.yaml', content: a.text });
  }

  // 6. Encodings and binary content.
  const quick = Buffer.from(src.text('quickstart.yaml'));
  const encodings: [string, Buffer][] = [
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, () => rng.int(256)))],
    ['latin-1 text', Buffer.concat([quick, Buffer.from('# caf\xe9\n', 'latin1')])],
    ['UTF-16 with BOM', Buffer.from(`\ufeff${quick.toString('utf8')}`, 'utf16le')],
    ['a NUL byte', Buffer.concat([quick, Buffer.from([0])])],
    ['UTF-8 with BOM (valid)', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), quick])],
    ['CRLF line ends (valid)', Buffer.from(quick.toString('utf8').replace(/\n/g, '\r\n'))],
    ['truncated in the middle', quick.subarray(0, Math.floor(quick.length / 2) + 7)],
  ];
  for (const [name, content] of encodings) {
    cases.push({ name: `validate quickstart.yaml as ${name}`, command: 'validate', file: 'quickstart.yaml', content });
  }

  cases.push(...deviceFileCases(rng, src, shipped), ...solverCases(rng, src), ...specialCases(shipped, src));
  return cases;
}

function deviceFileCases(rng: Rng, src: Sources, shipped: (f: string) => Doc): Case[] {
  const cases: Case[] = [];
  const scenario = src.text('cell-device-file.yaml');
  const runScenario = yaml(forRun(shipped('cell-device-file.yaml')));
  const lines = src.devicesCsv.split('\n');
  const header = lines.findIndex((l) => l.startsWith('id,'));
  const columns = lines[header]!.split(',');
  const rows = lines.map((l, i) => i).filter((i) => i > header && lines[i]!.trim() !== '' && !lines[i]!.startsWith('#'));
  const numeric = columns.map((c, i) => i).filter((i) => !['id', 'kind', 'availability'].includes(columns[i]!));
  const add = (name: string, csv: string | Buffer, command: Command = 'validate') =>
    cases.push({
      name: `${command} device file: ${name}`,
      command,
      file: 'cell-device-file.yaml',
      content: command === 'run' ? runScenario : scenario,
      extra: { 'devices-example.csv': csv },
    });
  for (let i = 0; i < 30; i++) {
    const row = rng.pick(rows);
    const col = rng.pick(numeric);
    const m = rng.pick(VALUE_MUTATIONS);
    const cells = lines[row]!.split(',');
    const v = m.apply(cells[col]);
    const text = typeof v === 'string' ? v : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
    cells[col] = /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    add(`line ${row + 1} ${columns[col]} = ${m.name}`, [...lines.slice(0, row), cells.join(','), ...lines.slice(row + 1)].join('\n'), i % 3 === 0 ? 'run' : 'validate');
  }
  const csv = src.devicesCsv;
  add('a UTF-8 byte-order mark (valid)', `\ufeff${csv}`);
  add('a UTF-8 byte-order mark (valid)', `\ufeff${csv}`, 'run');
  add('CRLF line ends (valid)', csv.replace(/\n/g, '\r\n'), 'run');
  add('random bytes', Buffer.from(Array.from({ length: 2048 }, () => rng.int(256))));
  add('latin-1', Buffer.from(csv.replace('pixel-8', 'pixel-\xe9'), 'latin1'));
  add('UTF-16', Buffer.from(csv, 'utf16le'));
  add('empty', '');
  add('header only', `${lines[header]}\n`);
  add('an unknown column', csv.replace('id,kind', 'id,knd'));
  add('a __proto__ column', csv.replace('id,kind', 'id,__proto__'));
  add('duplicate ids', csv.replace('galaxy-s23', 'pixel-8'));
  add('a ragged row', csv.replace('pixel-8,phone,', 'pixel-8,phone,,,'));
  add('an unclosed quote', csv.replace(/"([^"]*)"/, '"$1'));
  add('every compute 0', csv.replace(/[\d.]+ TFLOP\/s/g, '0 TFLOP/s'), 'run');
  add('100,001 rows', `${lines[header]}\n${Array.from({ length: 100_001 }, (_, i) => `d${i},phone,1 TFLOP/s`).join('\n')}\n`);
  add('a 40 MB row', `${lines[header]}\nd1,${'x'.repeat(40 * 1024 * 1024)}\n`);
  for (const path of ['/dev/zero', '/dev/urandom', '.', 'missing.csv', '/proc/self/status']) {
    cases.push({ name: `validate device file at ${path}`, command: 'validate', file: 'cell-device-file.yaml', content: scenario.replace('file: devices-example.csv', `file: ${path}`) });
  }
  return cases;
}

function solverCases(rng: Rng, src: Sources): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 60; i++) {
    const { f, doc: d } = rng.pick(src.instances);
    const doc = structuredClone(d);
    const path = rng.pick(leafPaths(doc));
    const m = rng.pick(VALUE_MUTATIONS);
    setPath(doc, path, m.apply(getPath(doc, path)));
    const solver = rng.pick(SOLVERS);
    cases.push({ name: `solve --solver ${solver} ${f}: ${path.join('.')} = ${m.name}`, command: 'solve', file: f.replace(/\.json$/, '.yaml'), content: yaml(doc), solver });
  }
  const base = src.instances.find((x) => x.f === 'instance-3.json')!.doc;
  const client = (base.clients as Doc[])[0]!;
  const clientAt = (d: Doc, k: number) => (d.clients as Doc[])[k]!;
  const extreme: [string, (d: Doc) => void][] = [
    ['gain 5e-324', (d) => (clientAt(d, 0).channelGain = 5e-324)],
    ['bandwidth 1e400 Hz', (d) => (d.bandwidthHz = '1e400 Hz')],
    ['bandwidth Infinity (1e999)', (d) => (d.bandwidthHz = Infinity)],
    ['bandwidth 1e-300 Hz', (d) => (d.bandwidthHz = 1e-300)],
    ['bandwidth 1 mHz', (d) => (d.bandwidthHz = 1e-3)],
    ['bandwidth 10 THz', (d) => (d.bandwidthHz = 1e13)],
    ['flops 1e308', (d) => (clientAt(d, 1).prunableFlops = 1e308)],
    ['flops 1e30 at 1 FLOP/s', (d) => Object.assign(clientAt(d, 1), { prunableFlops: 1e30, flopsPerS: 1 })],
    ['gains 1e-40 and 1e12', (d) => (Object.assign(clientAt(d, 0), { channelGain: 1e-40 }), Object.assign(clientAt(d, 1), { channelGain: 1e12 }))],
    ['txPower -170 dBm', (d) => (clientAt(d, 2).txPowerDbm = -170)],
    ['txPower 1000 dBm', (d) => (clientAt(d, 2).txPowerDbm = 1000)],
    ['noise +90 dBm/Hz', (d) => (d.noisePsdDbmPerHz = 90)],
    ['epsilon at beta rhobar', (d) => (d.rounds = { A: 1e9, epsilon: 1e-6, beta: 1e6 })],
    ['rhoMax 0', (d) => (d.rhoMax = 0)],
    ['rhoMax 0.999999999', (d) => (d.rhoMax = 0.999999999)],
    ['no clients', (d) => (d.clients = [])],
    ['10,001 clients', (d) => (d.clients = Array.from({ length: 10_001 }, () => client))],
    ['600 clients', (d) => (d.clients = Array.from({ length: 600 }, (_, k) => ({ ...client, channelGain: 1e-12 * (1 + (k % 7)) })))],
    ['memory exactly at the floor', (d) => Object.assign(clientAt(d, 0), { memoryBytes: 32e9, fixedMemoryBytes: 2e9, prunableMemoryBytes: 3e10 * 1.7 })],
    ['memory 1 byte short of the floor at rhoMax', (d) => Object.assign(clientAt(d, 0), { memoryBytes: 2e9 + 0.2 * 1.2e10 - 1 })],
    ['a __proto__ client field', (d) => Object.defineProperty(clientAt(d, 0), '__proto__', { value: { weight: -1 }, enumerable: true })],
    ['rateModel rayleigh-ergodic', (d) => (d.rateModel = 'rayleigh-ergodic')],
    ['rateModel unknown', (d) => (d.rateModel = 'magic')],
  ];
  for (const [name, mutate] of extreme) {
    const doc = structuredClone(base);
    mutate(doc);
    // 1e999 is JSON's spelling of a number that overflows to Infinity.
    const content = JSON.stringify(doc, (_k, v: unknown) => (v === Infinity ? '__INF__' : v)).replace(/"__INF__"/g, '1e999');
    const solvers = name === '10,001 clients' ? ['exact'] : name === '600 clients' ? ['exact', 'bcd', 'pruning-only'] : SOLVERS;
    for (const solver of solvers) cases.push({ name: `solve --solver ${solver}: ${name}`, command: 'solve', file: 'instance.json', content, solver });
  }
  for (const a of yamlAttacks().slice(0, 8)) cases.push({ name: `solve: ${a.name}`, command: 'solve', file: 'instance.yaml', content: a.text, solver: 'exact' });
  cases.push({ name: 'solve: random bytes', command: 'solve', file: 'instance.json', content: Buffer.from(Array.from({ length: 1024 }, () => rng.int(256))), solver: 'exact' });
  cases.push({ name: 'solve: an unknown solver', command: 'solve', file: 'instance.json', content: JSON.stringify(base), solver: 'simplex', badOption: '--solver' });
  return cases;
}

/** Inputs that used to hang, abort V8 or grow to gigabytes, and special files. */
function specialCases(shipped: (f: string) => Doc, src: Sources): Case[] {
  const doc = (mut: (d: Doc) => void) => {
    const d = forRun(shipped('quickstart.yaml'));
    mut(d);
    return yaml(d);
  };
  const run = (name: string, mut: (d: Doc) => void): Case => ({ name: `run quickstart.yaml: ${name}`, command: 'run', file: 'q.yaml', content: doc(mut) });
  const inst = structuredClone(src.instances.find((x) => x.f === 'instance-3.json')!.doc) as { clients: unknown[] };
  const big = { ...inst, clients: Array.from({ length: 5000 }, (_, k) => inst.clients[k % 3]) };
  return [
    run('clients.count 1e9', (d) => ((d.clients as Doc).count = 1e9)),
    run('async buffer 1e9', (d) => (d.round = { mode: 'async', buffer: 1e9 })),
    run('async, every client drops out', (d) => Object.assign(d, { round: { mode: 'async', buffer: 2 }, clients: { ...(d.clients as object), dropout: 1 } })),
    run('workload.flops 1e30 (the simulated clock passes its horizon)', (d) => (d.model = { workload: { flops: '1e30 FLOP', upload: '1 GB', download: '1 GB' } })),
    run('model.localSteps 1e6 without fading', (d) => {
      (d.model as Doc).localSteps = 1e6;
      (d.network as Doc).fading = 'none';
    }),
    run('only a simulated-time budget of 1e9 s, 1 ms rounds', (d) => {
      d.stop = { simTime: '1e9 s' };
      d.model = { workload: { flops: '1 GFLOP', upload: '1 kB', download: '1 kB' } };
      d.methods = ['fedavg'];
    }),
    run('a 1 EB upload over 20 MHz (the transfer outlasts the horizon)', (d) => {
      d.model = { workload: { flops: '1 GFLOP', upload: '1 EB', download: '1 kB' } };
      d.methods = ['fedavg'];
    }),
    run('device file /dev/zero', (d) => (d.clients = { file: '/dev/zero' })),
    run('device file /dev/urandom', (d) => (d.clients = { file: '/dev/urandom' })),
    run('name ..', (d) => (d.name = '..')),
    run('name of 300 characters', (d) => (d.name = 'n'.repeat(300))),
    { name: 'validate /dev/zero as the scenario file', command: 'validate', file: 'zero', content: '', path: '/dev/zero' },
    { name: 'run /dev/urandom as the scenario file', command: 'run', file: 'urandom', content: '', path: '/dev/urandom' },
    { name: 'validate a folder as the scenario file', command: 'validate', file: 'dir', content: '', path: '/tmp' },
    { name: 'solve /dev/zero', command: 'solve', file: 'zero', content: '', path: '/dev/zero', solver: 'exact' },
    { name: 'solve --solver bcd: 5,000 clients', command: 'solve', file: 'big.json', content: JSON.stringify(big), solver: 'bcd' },
    { name: 'solve --solver exact: 5,000 clients', command: 'solve', file: 'big.json', content: JSON.stringify(big), solver: 'exact' },
  ];
}

/** A text output file's cells or numbers that are NaN or Infinity (CSV cells; JSON, SVG, HTML tokens). */
export function nonFiniteTokens(name: string, text: string): string[] {
  const found: string[] = [];
  if (name.endsWith('.csv')) {
    for (const cell of text.split(/[\n,]/)) if (/^"?'?[-+]?(NaN|Inf|Infinity)"?$/.test(cell.trim())) found.push(`${name}: ${cell}`);
  } else {
    const m = /(^|[\s"'=:,(>+-])[-+]?(NaN|Infinity)([\s"',)<;]|$)/m.exec(text);
    if (m) found.push(`${name}: ...${text.slice(Math.max(0, m.index - 40), m.index + 40)}...`);
  }
  return found;
}

/**
 * `solve`'s answer on stdout: an "optimal" one must have every figure a finite number (JSON has no
 * NaN or Infinity: JSON.stringify would have written null), the bandwidths within the band.
 */
export function solveAnswerProblems(stdout: string, code: number): string[] {
  if (code === 2) return stdout === '' ? [] : [`exit 2 with an answer on stdout: ${stdout.slice(0, 200)}`];
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return [`stdout is not one JSON answer: ${stdout.slice(0, 200)}`];
  }
  if (code === 3) return r.status === 'infeasible' ? [] : [`exit 3 but status ${String(r.status)}`];
  if (r.status !== 'optimal') return [`exit 0 but status ${String(r.status)}`];
  const problems: string[] = [];
  for (const key of ['rho', 'bandwidthHz', 'clientLatencyS']) {
    const xs = r[key];
    if (!Array.isArray(xs) || !xs.every((x) => typeof x === 'number' && Number.isFinite(x))) problems.push(`${key} has a non-finite entry`);
  }
  for (const key of ['roundLatencyS', 'rounds', 'totalLatencyS']) {
    if (typeof r[key] !== 'number' || !Number.isFinite(r[key])) problems.push(`${key} = ${String(r[key])}`);
  }
  return problems;
}

export interface CliResult {
  /** Exit code; -1 when the case hung, exhausted the heap or killed the worker. */
  code: number;
  stdout: string;
  stderr: string;
  /** Names the case added to Object.prototype (prototype pollution): must be none. */
  polluted: string[];
}

/**
 * The CLI's main(argv) in one worker thread (in-process: no process start-up per case), bounded per
 * case: `timeoutMs` of wall time and `heapMb` of V8 heap (resourceLimits). A case that hangs or
 * exhausts its heap ends the worker (terminated; the next case gets a fresh one) and gets code -1,
 * instead of stalling or crashing the test run.
 */
export class BoundedCli {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private next = 0;
  private readonly pending = new Map<number, (r: CliResult) => void>();

  constructor(
    private readonly callerUrl: string,
    private readonly heapMb: number,
  ) {}

  private start(): Promise<void> {
    const w = spawnWorker(this.callerUrl, '../helpers/cli-worker', { resourceLimits: { maxOldGenerationSizeMb: this.heapMb }, stdout: true, stderr: true });
    // Whatever the worker's own console prints (it should print nothing) is not the test's output.
    w.stdout.resume();
    w.stderr.resume();
    this.worker = w;
    this.ready = new Promise((resolve) => {
      w.on('message', (m: { ready?: boolean; id?: number } & Partial<CliResult>) => {
        if (m.ready) return resolve();
        this.pending.get(m.id!)?.({ code: m.code!, stdout: m.stdout!, stderr: m.stderr!, polluted: m.polluted! });
      });
      w.on('error', (e) => (this.fail(w, `the worker died: ${e.message}`), resolve()));
      w.on('exit', () => (this.fail(w, 'the worker exited'), resolve()));
    });
    return this.ready;
  }

  private fail(w: Worker, why: string): void {
    if (this.worker !== w) return;
    for (const resolve of this.pending.values()) resolve({ code: -1, stdout: '', stderr: why, polluted: [] });
    this.pending.clear();
    this.worker = null;
  }

  async run(args: string[], timeoutMs: number): Promise<CliResult> {
    if (!this.worker) await this.start();
    else await this.ready;
    const w = this.worker;
    if (!w) return { code: -1, stdout: '', stderr: 'the worker could not start', polluted: [] };
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.worker = null;
        void w.terminate();
        resolve({ code: -1, stdout: '', stderr: `no answer within ${timeoutMs / 1000} s (the worker was terminated)`, polluted: [] });
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
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}
