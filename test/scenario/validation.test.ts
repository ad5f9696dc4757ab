import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/scenario/errors.js';

const base = () => ({
  name: 'unit',
  seed: 1,
  rounds: 3,
  clients: { count: 2, compute: '1 TFLOP/s', memory: '8 GB' },
  network: { type: 'fixed', uplinkRate: '10 Mb/s', downlinkRate: '50 Mb/s' },
  model: { workload: { flops: '1 TFLOP', upload: '10 MB', download: '10 MB' } },
  methods: ['fedavg'],
});

/** Validate a scenario object through the YAML path (so line numbers are exercised too). */
function problems(obj: unknown): { text: string; err: ScenarioError } {
  const text = stringify(obj);
  const { raw, lineOf } = parseScenarioText(text, 'bad.yaml');
  try {
    validateScenario(raw, 'bad.yaml', lineOf);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return { text: (e as Error).message, err: e as ScenarioError };
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario validation', () => {
  it('accepts a good scenario and converts units to SI', () => {
    const { raw } = parseScenarioText(stringify(base()), 'ok.yaml');
    const s = validateScenario(raw, 'ok.yaml');
    expect(s.clients.compute).toEqual({ kind: 'const', value: 1e12 });
    expect(s.clients.memory).toEqual({ kind: 'const', value: 8e9 });
    if (s.network.type !== 'fixed' || s.model.kind !== 'explicit') throw new Error('expected a fixed network and an explicit workload');
    expect(s.network.uplinkRate).toEqual({ kind: 'const', value: 1e7 });
    expect(s.model.workload.upload).toBe(1e7);
    expect(s.round.mode).toBe('sync');
  });

  it('wrong unit: names the field, the expected dimension and what was found', () => {
    const s = base();
    s.network.uplinkRate = '20 MHz';
    const { text } = problems(s);
    expect(text).toContain('bad.yaml');
    expect(text).toContain('network.uplinkRate');
    expect(text).toMatch(/expected a bitRate quantity in bit\/s/);
    expect(text).toContain('"20 MHz"');
  });

  it('negative quantity', () => {
    const s = base() as any;
    s.model.workload.upload = '-5 MB';
    const { text } = problems(s);
    expect(text).toContain('model.workload.upload');
    expect(text).toMatch(/expected a non-negative bytes, found -5000000/);
  });

  it('negative bandwidth of a wireless cell', () => {
    const s = base() as any;
    s.network = { type: 'wireless', bandwidth: '-20 MHz' };
    const { text } = problems(s);
    expect(text).toContain('network.bandwidth');
    expect(text).toMatch(/expected a positive frequency, found -20000000/);
  });

  it('a method parameter is checked by the method\'s own schema, at its path', () => {
    const s = base() as any;
    s.methods = ['fedavg', { id: 'fedlora', rank: -4 }, 'fedsgd'];
    const { err } = problems(s);
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path.join('.'), p.message]));
    expect(byPath['methods.1.rank']).toMatch(/expected a value > 0, found number -4/);
    expect(byPath['methods.2']).toMatch(/expected a method id \(one of fedavg, fedlora, .*\), found "fedsgd"/);
  });

  it('jcpba needs a wireless cell and an LLM timing model', () => {
    const s = base() as any;
    s.methods = ['jcpba'];
    const { text } = problems(s);
    expect(text).toContain('methods[0]: jcpba allocates uplink bandwidth: it needs network.type wireless');
    expect(text).toContain('jcpba prunes the model: it needs an LLM timing model');
  });

  it('an allocator bandwidth policy needs every method to have an allocator (jcpba)', () => {
    const s = base() as any;
    s.network = { type: 'wireless', bandwidthPolicy: 'allocator' };
    s.model = { preset: 'gpt2-124m' };
    s.methods = ['jcpba', 'fedavg'];
    const { err } = problems(s);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.path).toEqual(['methods', 1]);
    expect(err.problems[0]!.message).toContain('only jcpba has one');
  });

  it('unknown field, with its line', () => {
    const s = base() as any;
    s.clients.cmopute = '1 TFLOP/s';
    const { text, err } = problems(s);
    expect(text).toContain('clients: unknown field "cmopute"');
    expect(err.problems[0]!.line).toBeGreaterThan(1);
  });

  it('bad distribution', () => {
    const s = base();
    s.clients.compute = 'gaussian(1 TFLOP/s, 2 TFLOP/s)';
    const { text } = problems(s);
    expect(text).toContain('clients.compute');
    expect(text).toContain('uniform(a, b)');
    expect(text).toContain('gaussian');
  });

  it('distribution with reversed bounds', () => {
    const s = base();
    s.clients.compute = 'uniform(5 TFLOP/s, 1 TFLOP/s)';
    expect(problems(s).text).toMatch(/clients\.compute: expected uniform\(a, b\) with a <= b/);
  });

  it('missing field', () => {
    const s = base() as any;
    delete s.seed;
    expect(problems(s).text).toMatch(/seed: missing required field \(expected number\)/);
  });

  it('no rule that is sure to end the run (no rounds, no simTime)', () => {
    const s = base() as any;
    delete s.rounds;
    expect(problems(s).text).toMatch(/stop: no stop rule is sure to end the runs: set stop\.rounds or stop\.simTime/);
  });

  it('wrong type', () => {
    const s = base() as any;
    s.rounds = 'ten';
    expect(problems(s).text).toMatch(/rounds: expected number, found the string "ten"/);
  });

  it('empty client list / zero clients', () => {
    const s = base() as any;
    s.clients.count = 0;
    expect(problems(s).text).toMatch(/clients\.count: expected a value > 0, found number 0/);
    const t = base() as any;
    t.methods = [];
    expect(problems(t).text).toMatch(/methods: expected a list with at least 1 entries, found a list of 0/);
  });

  it('non-numeric seed', () => {
    const s = base() as any;
    s.seed = 'abc';
    expect(problems(s).text).toMatch(/seed: expected number, found the string "abc"/);
  });

  it('lists every problem in the file, not only the first', () => {
    const s = base() as any;
    s.seed = 'abc';
    s.rounds = -1;
    s.network.downlinkRate = '5 kg';
    const { err } = problems(s);
    expect(err.problems.map((p) => p.path.join('.')).sort()).toEqual(['network.downlinkRate', 'rounds', 'seed']);
    expect(err.message).toMatch(/^bad\.yaml: 3 problems/);
  });

  it('not YAML at all', () => {
    expect(() => parseScenarioText('name: [unclosed', 'broken.yaml')).toThrow(/broken\.yaml.*not valid YAML/s);
  });

  it('deadline mode needs a deadline', () => {
    const s = base() as any;
    s.round = { mode: 'deadline' };
    expect(problems(s).text).toContain('round.deadline: missing required field');
  });
});
