/**
 * Seeded generator of malformed and extreme inputs, derived from the shipped scenarios, device
 * file and solver instances (test/cli/fuzz-inputs.test.ts). Everything depends only on the seed,
 * so a failing case is reproduced by its name.
 */

/** mulberry32: a small seeded PRNG (the generator must not depend on the code under test). */
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

/** Every path to a scalar (string, number, boolean, null) in a parsed document. */
export function leafPaths(doc: unknown, prefix: Path = []): Path[] {
  if (doc === null || typeof doc !== 'object') return [prefix];
  const out: Path[] = [];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...leafPaths(v, [...prefix, i])));
  else for (const [k, v] of Object.entries(doc)) out.push(...leafPaths(v, [...prefix, k]));
  return out;
}

export function setPath(doc: Record<string, unknown>, path: Path, value: unknown): void {
  let node: Record<string | number, unknown> = doc;
  for (const seg of path.slice(0, -1)) {
    if (node[seg] === null || typeof node[seg] !== 'object') node[seg] = {};
    node = node[seg] as Record<string | number, unknown>;
  }
  Object.defineProperty(node, path[path.length - 1]!, { value, writable: true, enumerable: true, configurable: true });
}

export function deletePath(doc: Record<string, unknown>, path: Path): void {
  let node: Record<string | number, unknown> = doc;
  for (const seg of path.slice(0, -1)) {
    if (node[seg] === null || typeof node[seg] !== 'object') return;
    node = node[seg] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
  else delete node[last];
}

/** Strip the unit of a quantity string ("20 MHz" -> "20"), keep anything else. */
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
  { name: 'zero', apply: () => 0 },
  { name: 'negative', apply: (v) => (typeof v === 'number' ? -Math.abs(v) - 1 : typeof v === 'string' ? `-${v.replace(/^[-+]/, '')}` : -1) },
  { name: 'zero with unit', apply: (v) => (typeof v === 'string' ? v.replace(/^[-+]?[\d.]+(e[-+]?\d+)?/i, '0') : 0) },
  { name: 'unit stripped', apply: bare },
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
];

/** Device-level distribution mutations (fields whose draws must be checked per client). */
export const DEVICE_FIELDS = ['compute', 'memory', 'txPower', 'computePower', 'distance'] as const;
export const DRAW_MUTATIONS: Record<(typeof DEVICE_FIELDS)[number], string[]> = {
  compute: ['normal(1 TFLOP/s, 5 TFLOP/s)', 'uniform(-1 TFLOP/s, 2 TFLOP/s)', 'choice([0 TFLOP/s, 1 TFLOP/s])', 'lognormal(1 TFLOP/s, 900)', '1e400 TFLOP/s'],
  memory: ['-20 GB', '1e400 GB', 'normal(8 GB, 80 GB)', 'choice([0 GB, 8 GB])', 'uniform(-8 GB, 8 GB)'],
  txPower: ['-5 W', 'normal(0.2 W, 1 W)', '0 W', 'choice([23 dBm, -5 W])', '1e308 W'],
  computePower: ['1e308 W', '-1 W', 'normal(5 W, 50 W)', 'uniform(-1 W, 1 W)', '1e400 W'],
  distance: ['0 m', 'normal(100 m, 1000 m)', 'uniform(-10 m, 10 m)', '1e400 m', 'choice([0 m, 10 m])'],
};

/** Radio values at the extreme but plausible end (another fix makes these finish or be rejected). */
export const RADIO_MUTATIONS: [Path, unknown][] = [
  [['network', 'bandwidth'], '1 Hz'],
  [['network', 'bandwidth'], 20],
  [['network', 'outageSnr'], '1000 dB'],
  [['network', 'noise'], { psd: '+50 dBm/Hz' }],
  [['network', 'shadowing'], { sigma: '1000 dB' }],
  [['clients', 'txPower'], '-100 dBm'],
  [['network', 'cellRadius'], '1e400 m'],
  [['network', 'bandwidth'], '1e400 Hz'],
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
    { name: 'deep flow nesting', text: `name: ${'['.repeat(5000)}${']'.repeat(5000)}\n` },
    { name: 'deep block nesting', text: Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + `\n${' '.repeat(400)}b: 1\n` },
    { name: '20,000 keys in one mapping', text: Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`).join('\n') },
    { name: 'empty file', text: '' },
    { name: 'a bare scalar', text: '42\n' },
    { name: 'a list', text: '- 1\n- 2\n' },
    { name: 'two documents', text: 'name: a\n---\nname: b\n' },
    { name: 'tab indentation', text: 'name: x\nclients:\n\tcount: 3\n' },
    { name: 'unclosed quote', text: 'name: "x\nseed: 1\n' },
    { name: 'a key that is a list', text: '? [a, b]\n: 1\n' },
  ];
}
