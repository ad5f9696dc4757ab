import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { capture } from '../helpers/io.js';


afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'airtune-cli-'));
const good = join(dir, 'good.yaml');
writeFileSync(
  good,
  `name: clitest
seed: 3
rounds: 2
clients: { count: 2, compute: 1 TFLOP/s }
network: { type: fixed, uplinkRate: 10 Mb/s, downlinkRate: 10 Mb/s }
model: { workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB } }
methods: [fedavg]
`,
);

describe('airtune CLI', () => {
  it('validate: ok exits 0', async () => {
    const io = capture();
    expect(await main(['node', 'airtune', 'validate', good])).toBe(0);
    expect(io.out()).toContain('ok');
  });

  it('validate: a bad file exits 2 and names file, field, expected and found', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(good, 'utf8').replace('seed: 3', 'seed: three'));
    const io = capture();
    expect(await main(['node', 'airtune', 'validate', bad])).toBe(2);
    expect(io.err()).toContain(bad);
    expect(io.err()).toMatch(/line 2, seed: expected number, found the string "three"/);
  });

  it('a bad cell in the device file exits 2 naming the scenario, the field, the device file, row and column', async () => {
    writeFileSync(join(dir, 'devices.csv'), 'id,kind,compute,memory\nd1,phone,2 TFLOP/s,8 GB\nd2,phone,fast,8 GB\n');
    const scenario = join(dir, 'devfile.yaml');
    writeFileSync(scenario, readFileSync(good, 'utf8').replace('clients: { count: 2, compute: 1 TFLOP/s }', 'clients: { file: devices.csv }'));
    const io = capture();
    expect(await main(['node', 'airtune', 'validate', scenario])).toBe(2);
    expect(io.err()).toContain(`${scenario}: 1 problem`);
    expect(io.err()).toMatch(/clients\.file: devices\.csv, row 3, column "compute": expected a flopRate quantity/);
  });

  it('a missing file exits 2', async () => {
    const io = capture();
    expect(await main(['node', 'airtune', 'validate', join(dir, 'nope.yaml')])).toBe(2);
    expect(io.err()).toMatch(/cannot read the scenario file \(ENOENT\)/);
  });

  it('run writes the CSVs and meta.json atomically to --out, with --seed and --methods', async () => {
    const out = join(dir, 'out');
    const io = capture();
    expect(await main(['node', 'airtune', 'run', good, '--out', out, '--seed', '9', '--methods', 'fedavg'])).toBe(0);
    // Every chart with its Vega-Lite spec beside it; a fixed-rate network has no bandwidth shares to draw.
    expect(readdirSync(out).sort()).toEqual([
      '.airtune-outputs.json', 'at_time.csv', 'bytes_per_round.svg', 'bytes_per_round.vl.json', 'client_energy.svg', 'client_energy.vl.json',
      'client_latency_cdf.svg', 'client_latency_cdf.vl.json', 'clients.csv', 'meta.json', 'report.html', 'round_gantt.svg', 'round_gantt.vl.json',
      'round_latency.svg', 'round_latency.vl.json', 'rounds.csv', 'summary.csv',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).seed).toBe(9);
    expect(io.out()).toContain('fedavg');
  });

  it('--seed must be a non-negative integer', async () => {
    const io = capture();
    expect(await main(['node', 'airtune', 'run', good, '--seed', 'abc', '--out', join(dir, 'x')])).toBe(2);
    expect(io.err()).toMatch(/expected a non-negative integer seed, found "abc"/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('--methods with an unknown method exits 2 and lists the scenario methods', async () => {
    const io = capture();
    expect(await main(['node', 'airtune', 'run', good, '--methods', 'fedsgd', '--out', join(dir, 'y')])).toBe(2);
    expect(io.err()).toMatch(/fedsgd not in the scenario \(it has: fedavg\)/);
  });

  it('--help shows examples', async () => {
    const io = capture();
    expect(await main(['node', 'airtune', '--help'])).toBe(0);
    expect(io.out()).toContain('Examples:');
  });
});
