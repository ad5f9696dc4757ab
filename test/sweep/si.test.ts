/** Swept values in SI beside their labels (src/sweep/si.ts), and the numbers a sweep's tidy tables hold. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { siColumns, siValue } from '../../src/sweep/si.js';
import { parseSets } from '../../src/sweep/grid.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { isByteColumn } from '../../src/output/csv.js';

describe('siValue', () => {
  it('reads a value with a unit as the number airtune computes with, in its SI unit', () => {
    expect(siValue('20 MHz')).toEqual({ value: 20e6, unit: 'Hz' });
    expect(siValue('5MHz')).toEqual({ value: 5e6, unit: 'Hz' });
    expect(siValue('4 GB')).toEqual({ value: 4e9, unit: 'B' });
    expect(siValue('1.6 Gb')).toEqual({ value: 1.6e9, unit: 'bit' });
    expect(siValue('10 Mb/s')).toEqual({ value: 1e7, unit: 'bit/s' });
    expect(siValue('51.2 GB/s')).toEqual({ value: 51.2e9, unit: 'B/s' });
    expect(siValue('2.5 TFLOP/s')).toEqual({ value: 2.5e12, unit: 'FLOP/s' });
    expect(siValue('30 min')).toEqual({ value: 1800, unit: 's' });
    expect(siValue('10 ms')!.value).toBeCloseTo(0.01, 15);
    expect(siValue('250 m')).toEqual({ value: 250, unit: 'm' });
    expect(siValue('5 J')).toEqual({ value: 5, unit: 'J' });
    // Levels: dB stays dB (the unit of a dB field), dBm becomes W, dBm/Hz W/Hz (how the scenario reads them).
    expect(siValue('8 dB')).toEqual({ value: 8, unit: 'dB' });
    expect(siValue('23 dBm')!.value).toBeCloseTo(10 ** (-0.7), 12);
    expect(siValue('23 dBm')!.unit).toBe('W');
    expect(siValue('-174 dBm/Hz')!.value).toBeCloseTo(10 ** (-20.4), 32);
    expect(siValue('-174 dBm/Hz')!.unit).toBe('W/Hz');
    expect(siValue('12')).toEqual({ value: 12, unit: '' });
  });

  it('is null for what is not a number with a unit: modes, distributions, lists, words that happen to be units', () => {
    for (const t of ['sync', 'uniform(1 MHz, 2 MHz)', '[1, 2]', 'choice([6 GB, 8 GB])', 'min', 'in', '3 apples']) expect(siValue(t), t).toBeNull();
  });

  it('an axis mixing byte and bit units is given in the unit family of its first such value', () => {
    const [axis] = parseSets(['network.uplinkRate=10 Mb/s,1 MB/s']);
    const [col] = siColumns([axis!], ['network.uplinkRate']);
    expect(col).toEqual({ column: 'network.uplinkRate_si', unit: 'bit/s', information: 'bits' });
    expect(siValue('1 MB/s', 'bits')).toEqual({ value: 8e6, unit: 'bit/s' });
    expect(siColumns(parseSets(['clients.count=1,2', 'round.mode=sync,async']), ['clients.count', 'round.mode'])).toEqual([null, null]);
  });
});

describe("a sweep's tidy tables for pandas and R", () => {
  it('byte columns are integers (a pruned JCPBA upload is fractional in the model) and swept SI columns are numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airtune-si-'));
    const file = join(dir, 's.yaml');
    writeFileSync(
      file,
      `name: si
seed: 4
stop: { rounds: 2 }
clients: { count: 3, compute: "uniform(1 TFLOP/s, 3 TFLOP/s)", memory: 8 GB, placement: { disc: { radius: 400 m, minDistance: 35 m } } }
network: { type: wireless, cellRadius: 400 m, bandwidth: 10 MHz }
model: { preset: gpt2-124m, seqLen: 128, batchSize: 1, localSteps: 2, weights: fp32 }
methods: [jcpba, fedavg]
`,
    );
    const out = join(dir, 'out');
    await runSweep(file, { set: ['network.bandwidth=5 MHz,10 MHz'], out, workers: 0, quiet: true });
    for (const name of ['sweep_rounds.csv', 'sweep_summary.csv']) {
      const rows = parse(readFileSync(join(out, name), 'utf8'), { columns: true }) as Record<string, string>[];
      const header = Object.keys(rows[0]!);
      const bytes = header.filter(isByteColumn);
      expect(bytes.length, name).toBeGreaterThan(1);
      for (const r of rows) for (const c of bytes) expect(r[c], `${name} ${c}`).toMatch(/^(\d+)?$/);
      expect(rows.map((r) => r['network.bandwidth_si'])).toEqual(rows.map((r) => (r['network.bandwidth'] === '5 MHz' ? '5000000' : '10000000')));
    }
    // JCPBA pruned someone (else the integer check above proves nothing about fractional bytes).
    const runs = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')).runs as { run_id: string }[];
    const clients = readFileSync(join(out, 'runs', runs[0]!.run_id, 'clients.csv'), 'utf8');
    expect(clients).toMatch(/,0\.[0-9]+,"gpt2-124m/); // a rho strictly between 0 and 1
  }, 60_000);
});
