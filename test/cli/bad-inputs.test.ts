/**
 * Issue 10: bad input ends in exit 2 with the file, the field path and line, what was expected and
 * what was found; never a stack trace, a hang or unbounded memory. One test per defect of the
 * issue, each through the CLI (main(argv), in-process).
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { capture } from '../helpers/io.js';

afterEach(() => vi.restoreAllMocks());
const dir = mkdtempSync(join(tmpdir(), 'airtune-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (): Record<string, any> => ({
  name: 'bad',
  seed: 3,
  rounds: 2,
  clients: { count: 40, compute: '2 TFLOP/s', memory: '8 GB' },
  network: { type: 'wireless', bandwidth: '20 MHz', cellRadius: '300 m' },
  model: { workload: { flops: '1 TFLOP', upload: '10 MB', download: '10 MB' } },
  methods: ['fedavg'],
});

let n = 0;
function write(content: string | Buffer, name = `s${++n}.yaml`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await main(['node', 'airtune', ...args]);
  vi.restoreAllMocks();
  return { code, out: io.out(), err: io.err() };
}

const NO_STACK = /\n\s+at \S[^\n]*:\d+:\d+/;

/** validate must exit 2, name the file, and print no stack; returns stderr. */
async function rejected(path: string, command = 'validate'): Promise<string> {
  const args = command === 'run' ? ['run', path, '--quiet', '--out', join(dir, `out-${n}`)] : [command, path];
  const r = await cli(...args);
  expect(r.code, r.err).toBe(2);
  expect(r.err).toContain(path);
  expect(r.err).not.toMatch(NO_STACK);
  return r.err;
}

describe('bad values drawn from valid distributions: exit 2 with file, field path, line, client, drawn value and what is allowed', () => {
  it.each([
    ['normal(1 TFLOP/s, 5 TFLOP/s) gives a negative speed', 'compute', 'normal(1 TFLOP/s, 5 TFLOP/s)', /line 6, clients\.compute: client \d+ \(device-\d+\) drew -[\d.e]+ FLOP\/s.*\(\d+ of 40 clients\); compute: it must be > 0 FLOP\/s/],
    ['uniform(-1 TFLOP/s, 2 TFLOP/s)', 'compute', 'uniform(-1 TFLOP/s, 2 TFLOP/s)', /line 6, clients\.compute: uniform\(a, b\) can draw values down to a = -1e12 FLOP\/s is not allowed for compute: it must be > 0 FLOP\/s/],
    ['choice([0 TFLOP/s, 1 TFLOP/s])', 'compute', 'choice([0 TFLOP/s, 1 TFLOP/s])', /line 6, clients\.compute: choice option 1 0 FLOP\/s is not allowed for compute: it must be > 0/],
    ['memory -20 GB', 'memory', '-20 GB', /line 7, clients\.memory: the value -2e10 B is not allowed for memory: it must be > 0 B/],
    ['memory 1e400 GB', 'memory', '1e400 GB', /line 7, clients\.memory: expected a finite bytes value, found "1e400 GB" \(too large: it overflows to Infinity\)/],
    ['distance 0 m', 'distance', '0 m', /clients\.distance: the value 0 m is not allowed for distance: it must be > 0 m/],
    ['txPower -5 W', 'txPower', '-5 W', /clients\.txPower: the value -5 W is not allowed for txPower: it must be > 0 W/],
  ])('%s', async (_name, field, value, message) => {
    const s = base();
    s.clients[field] = value;
    const err = await rejected(write(stringify(s)));
    expect(err).toMatch(message);
  });

  it('a group: the message points at the group field and its line, lognormal overflow included', async () => {
    const s = base();
    s.clients.groups = [
      { kind: 'phone', share: 0.5, compute: 'lognormal(1 TFLOP/s, 900)' },
      { kind: 'laptop', share: 0.5 },
    ];
    const err = await rejected(write(stringify(s)));
    expect(err).toMatch(/line \d+, clients\.groups\[0\]\.compute: client \d+ \(phone-\d+\) drew (Infinity|[\d.e]+) FLOP\/s/);
  });

  it('a device file: the row and column of the value, and what is allowed', async () => {
    writeFileSync(join(dir, 'dev.csv'), 'id,compute,memory\na,1 TFLOP/s,8 GB\nb,0 TFLOP/s,-1 GB\n');
    const s = base();
    s.clients = { file: 'dev.csv' };
    const err = await rejected(write(stringify(s)));
    expect(err).toMatch(/clients\.file: dev\.csv, row 3, column "compute": compute = 0 FLOP\/s is not allowed: it must be > 0 FLOP\/s/);
    expect(err).toMatch(/clients\.file: dev\.csv, row 3, column "memory": memory = -1e9 B is not allowed/);
  });
});

describe('YAML aliases and shapes: exit 2, named as such', () => {
  it('alias bomb', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    expect(await rejected(write(lines.join('\n')))).toMatch(/alias bomb/);
  });

  it('undefined alias', async () => {
    expect(await rejected(write('name: *nope\nseed: 1\n'))).toMatch(/line 1, name: undefined alias \*nope \(no anchor &nope before it\)/);
  });

  it('merge key with an unknown anchor', async () => {
    expect(await rejected(write('name: x\nclients:\n  <<: *defaults\n  count: 3\n'))).toMatch(/line 3, clients\.<<: merge key "<<: \*defaults" refers to an anchor &defaults that is not defined/);
  });

  it('deeply nested YAML: "nested too deeply", not "Maximum call stack size exceeded"', async () => {
    for (const text of [`name: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, `${Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}- a:`).join('\n')}\n`]) {
      const err = await rejected(write(text));
      expect(err).toMatch(/nested too deeply \(more than 64 levels/);
      expect(err).not.toMatch(/call stack/);
    }
  });

  it('100,000 keys in one mapping: refused by size and key count before the schema', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n');
    expect(await rejected(write(keys))).toMatch(/larger than the limit of 1 MiB|more than the limit of 10,000/);
    const fewer = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`).join('\n');
    expect(await rejected(write(fewer))).toMatch(/a mapping with 20,000 keys, more than the limit of 10,000/);
  });

  it('duplicate keys: each reported with its line and the first one', async () => {
    const text = `${stringify(base())}seed: 4\n`;
    expect(await rejected(write(text))).toMatch(/line \d+, seed: duplicate key "seed" \(first at line 2\)/);
  });
});

describe('size and time: counts and files bounded by what the machine can do, the limit in the message', () => {
  it.each([
    ['clients.count 1e9', (s: any) => (s.clients.count = 1e9), /clients\.count: expected at most 100,000 clients/],
    ['clients.count 1e6', (s: any) => (s.clients.count = 1e6), /clients\.count: expected at most 100,000 clients/],
    ['rounds 1e6', (s: any) => (s.rounds = 1e6), /rounds: expected at most 10,000 rounds/],
    ['rounds x clients beyond the client-row limit', (s: any) => ((s.rounds = 10_000), (s.clients.count = 200)), /rounds: the run would record rounds of every method x clients = 10,000 x 200 = 2,000,000 client rounds, more than the limit of 1,000,000/],
    [
      'replications x rounds of every method (stop.rounds, a method\'s own stop) x clients beyond the client-row limit',
      (s: any) => ((s.stop = { rounds: 5_000 }), (s.methods = ['fedavg', { id: 'fedavg', label: 'long', stop: { rounds: 10_000 } }]), (s.replications = 5)),
      /stop\.rounds: the run would record replications x rounds of every method x clients = 5 x \(5,000 \+ 10,000\) x 40 = 3,000,000 client rounds/,
    ],
    ['replications 1e6', (s: any) => (s.replications = 1e6), /replications: expected at most 1,000 replications/],
    ['async buffer 1e9', (s: any) => (s.round = { mode: 'async', buffer: 1e9 }), /round\.buffer: expected at most 1,000,000 updates per aggregation/],
    ['model.localSteps 1e15', (s: any) => (s.model = { preset: 'gpt2-124m', localSteps: 1e15 }), /model\.localSteps: expected at most 1,000,000 local steps per round/],
    ['training tokens', (s: any) => (s.training = { localSteps: 100_000, batchSize: 64, seqLen: 32 }), /training: real training would process about [\d.e+]+ tokens .* more than the limit of 1e\+9/],
  ])('%s', async (_name, mutate, message) => {
    const s = base();
    mutate(s);
    for (const command of ['validate', 'run']) expect(await rejected(write(stringify(s)), command)).toMatch(message);
  });

  it.each(['/dev/zero', '/dev/urandom'])('a device file at %s: refused as not a regular file, nothing read', async (device) => {
    const s = base();
    s.clients = { file: device };
    expect(await rejected(write(stringify(s)), 'run')).toMatch(/clients\.file: \/dev\/\w+: the device file is a character device \(such as \/dev\/zero\); give a regular file/);
  });

  it.each([
    ['gsm8k', '/dev/zero'],
    ['yahoo', '/dev/urandom'],
  ])('a %s data path at %s: refused by validate and run', async (source, path) => {
    const s = base();
    s.training = { data: { source, path } };
    for (const command of ['validate', 'run']) expect(await rejected(write(stringify(s)), command)).toMatch(/training\.data\.path: .*not a regular file or a folder/);
  });

  it('a scenario, device file or instance larger than its cap is refused before it is parsed', async () => {
    const big = write(`name: x\n# ${'x'.repeat(1024 * 1024)}\n`);
    expect(await rejected(big)).toMatch(/the scenario file is larger than the limit of 1 MiB/);
    const r = await cli('solve', '/dev/zero');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\/dev\/zero: the instance file is a character device/);
  });

  it('localSteps that pass the limits but push the simulated clock past its horizon end the run with exit 2', async () => {
    const s = base();
    s.model = { workload: { flops: '1e30 FLOP', upload: '1 MB', download: '1 MB' } };
    const err = await rejected(write(stringify(s)), 'run');
    expect(err).toMatch(/round 1: client \d+ \(device-\d+\) would finish its local work at t = [\d.e+]+ s, past the simulated-time horizon of 1e\+9 s/);
  });

  it('async mode where every client keeps dropping out ends at the client-row limit, not in a hang', async () => {
    const s = base();
    s.clients.dropout = 1;
    s.round = { mode: 'async', buffer: 2 };
    expect(await rejected(write(stringify(s)), 'run')).toMatch(/the run recorded more than 1,000,000 client rounds/);
  });
});

describe('non-finite numbers never reach an output file', () => {
  it.each([
    ['aggregationTime 1e308 s', (s: any) => (s.round = { aggregationTime: '1e308 s' }), /round\.aggregationTime: expected a time value between 1e-6 and 1e9 s in magnitude/],
    ['computePower 1e308 W', (s: any) => (s.clients.computePower = '1e308 W'), /clients\.computePower: expected a power value between 1e-20 and 1e6 W in magnitude/],
  ])('%s is rejected with the allowed range', async (_name, mutate, message) => {
    const s = base();
    mutate(s);
    expect(await rejected(write(stringify(s)), 'run')).toMatch(message);
  });

  it('the largest allowed values give finite outputs (summary.csv has no Inf/NaN)', async () => {
    const s = base();
    s.clients.count = 2;
    s.clients.computePower = '1 MW';
    s.round = { aggregationTime: '1e8 s' };
    s.rounds = 3;
    const out = join(dir, 'out-finite');
    const r = await cli('run', write(stringify(s)), '--quiet', '--out', out);
    expect(r.code, r.err).toBe(0);
    for (const f of ['summary.csv', 'rounds.csv', 'clients.csv', 'meta.json']) expect(readFileSync(join(out, f), 'utf8')).not.toMatch(/NaN|Inf/);
  });
});

describe('more inputs', () => {
  it.each([
    ['1e400 Hz', { bandwidth: '1e400 Hz' }, /network\.bandwidth: expected a finite frequency value, found "1e400 Hz"/],
    ['a bare 1e400', { bandwidth: 1e400 }, /network\.bandwidth: expected a frequency quantity in Hz .*found number Infinity \(a number too large for a double, e\.g\. 1e400\)/],
    ['1e308 MHz', { bandwidth: '1e308 MHz' }, /network\.bandwidth: expected a finite frequency value, found "1e308 MHz"/],
    ['cellRadius 1e400 m', { cellRadius: '1e400 m' }, /network\.cellRadius: expected a finite length value, found "1e400 m"/],
  ])('overflow to Infinity (%s) is not accepted as a number', async (_name, network, message) => {
    const s = base();
    Object.assign(s.network, network);
    const text = stringify(s).replace('.inf', '1e400');
    expect(await rejected(write(text))).toMatch(message);
  });

  it('maxSimTime: -1 s is rejected', async () => {
    const s = base();
    s.maxSimTime = '-1 s';
    expect(await rejected(write(stringify(s)))).toMatch(/maxSimTime: expected a positive time, found -1/);
  });

  it('--set __proto__.polluted=1 (and paths through constructor/prototype) set nothing on any object', async () => {
    const path = write(stringify(base()));
    for (const set of ['__proto__.polluted=1', 'clients.__proto__.polluted=1', 'constructor.prototype.polluted=1', 'methods.0.constructor=1']) {
      const r = await cli('sweep', path, '--set', set, '--out', join(dir, 'sweep'), '--workers', '0', '--quiet');
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/is not a scenario field \(a path may not go through __proto__, constructor, prototype\)/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    }
  });

  it('a device CSV with a UTF-8 byte-order mark is accepted', async () => {
    writeFileSync(join(dir, 'bom.csv'), '\ufeffid,compute,memory\na,1 TFLOP/s,8 GB\nb,2 TFLOP/s,16 GB\n');
    const s = base();
    s.clients = { file: 'bom.csv' };
    const r = await cli('validate', write(stringify(s)));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ok \(scenario "bad", 2 clients/);
  });

  it('defect: --set training.data.path could not fix a missing data path (files were checked before --set); now checked after it', async () => {
    const gsm = (k: number) => Array.from({ length: k }, (_, i) => JSON.stringify({ question: `What is ${i} + 1?`, answer: `${i} + 1 = ${i + 1}\n#### ${i + 1}` })).join('\n') + '\n';
    mkdirSync(join(dir, 'set-data'), { recursive: true });
    writeFileSync(join(dir, 'set-data', 'train.jsonl'), gsm(40));
    writeFileSync(join(dir, 'set-data', 'test.jsonl'), gsm(8));
    const s = base();
    s.rounds = 1;
    s.clients.count = 2;
    s.training = { data: { source: 'gsm8k', path: 'no/such/folder', records: 40, testFraction: 0.25 }, localSteps: 1, batchSize: 2, seqLen: 16 };
    const path = write(stringify(s));
    expect(await rejected(path, 'run')).toMatch(/no\/such\/folder does not exist/);
    const fixed = await cli('run', path, '--quiet', '--out', join(dir, 'out-set-data'), '--set', 'training.data.path=set-data');
    expect(fixed.code, fixed.err).toBe(0);
    expect(readFileSync(join(dir, 'out-set-data', 'summary.csv'), 'utf8')).toMatch(/fedavg/);
    // A --set to another missing path is refused after the override, naming it.
    const still = await cli('run', path, '--quiet', '--out', join(dir, 'out-set-data-2'), '--set', 'training.data.path=still/missing');
    expect(still.code).toBe(2);
    expect(still.err).toMatch(/still\/missing does not exist/);
  });

  it('validate checks the training data path: missing, a folder without data, unreadable', async () => {
    const s = base();
    s.training = { data: { source: 'gsm8k', path: 'no/such/folder' } };
    expect(await rejected(write(stringify(s)))).toMatch(/training\.data\.path: data\.path: .*no\/such\/folder does not exist/);
    mkdirSync(join(dir, 'empty-data'), { recursive: true });
    s.training = { data: { source: 'gsm8k', path: 'empty-data' } };
    expect(await rejected(write(stringify(s)))).toMatch(/the folder .*empty-data has no train\.jsonl/);
    if (process.getuid?.() !== 0) {
      writeFileSync(join(dir, 'locked.jsonl'), '');
      const { chmodSync } = await import('node:fs');
      chmodSync(join(dir, 'locked.jsonl'), 0);
      s.training = { data: { source: 'gsm8k', path: 'locked.jsonl' } };
      expect(await rejected(write(stringify(s)))).toMatch(/cannot read the gsm8k data file \(EACCES\)/);
    }
  });

  it('"lists every problem": negative memory and cellRadius 1e400 m are both reported, with a bad section elsewhere', async () => {
    const s = base();
    s.clients.memory = '-8 GB';
    s.network.cellRadius = '1e400 m';
    s.methods = ['fedavg', 'fedavg'];
    s.round = { mode: 'deadline' };
    const err = await rejected(write(stringify(s)));
    expect(err).toMatch(/4 problems/);
    expect(err).toMatch(/clients\.memory: the value -8e9 B is not allowed/);
    expect(err).toMatch(/network\.cellRadius: expected a finite length value/);
    expect(err).toMatch(/methods\[1\]: method "fedavg" appears twice/);
    expect(err).toMatch(/round\.deadline: missing required field/);
  });

  it('drawn values are reported together with schema problems of other sections', async () => {
    const s = base();
    s.clients.compute = 'normal(1 TFLOP/s, 5 TFLOP/s)';
    s.network.bandwidth = 'fast';
    const err = await rejected(write(stringify(s)));
    expect(err).toMatch(/clients\.compute: client \d+ \(device-\d+\) drew -/);
    expect(err).toMatch(/network\.bandwidth: expected a frequency quantity/);
  });

  it('non-UTF-8 and binary scenario files are named as such', async () => {
    expect(await rejected(write(Buffer.from('name: caf\xe9\n', 'latin1')))).toMatch(/not UTF-8 text/);
    expect(await rejected(write(Buffer.from([0x6e, 0x00, 0xff, 0x10])))).toMatch(/binary data \(a NUL byte at offset 1\)/);
  });
});
