import { snapshot } from '../helpers/snapshot.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { replicationSeed } from '../../src/compare/replications.js';
import { hash32 } from '../../src/random/index.js';
import { capture } from '../helpers/io.js';

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'airtune-reps-'));
writeFileSync(join(dir, 'losses.csv'), 'method,round,test_loss\nfedavg,0,5\nfedavg,1,4.6\nfedavg,2,4.2\nfedavg,3,3.9\nfedavg,4,3.7\n');
// Compute speeds drawn from the seed: round latencies, times to target and losses at a time differ by seed.
const doc = {
  name: 'reps',
  seed: 42,
  stop: { rounds: 4, targetTestLoss: 4 },
  compare: { at: ['20 s', '1 min'] },
  clients: { count: 3, compute: 'uniform(0.5 TFLOP/s, 4 TFLOP/s)', memory: '16 GB', dropout: 0.2 },
  network: { type: 'fixed', uplinkRate: '8 Mb/s', downlinkRate: '80 Mb/s' },
  model: { workload: { flops: '10 TFLOP', upload: '2 MB', download: '2 MB' } },
  methods: ['fedavg'],
  training: { source: 'trace', file: 'losses.csv' },
};
const file = join(dir, 'reps.yaml');
writeFileSync(file, stringify(doc));

function csv(path: string): Record<string, string>[] {
  return parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
}

describe('replications', () => {
  it('seeds: replication 1 is the scenario seed, k >= 2 hash32("<seed>/replication/<k>")', () => {
    expect(replicationSeed(42, 1)).toBe(42);
    expect(replicationSeed(42, 2)).toBe(hash32('42/replication/2'));
    expect(new Set([1, 2, 3, 4].map((k) => replicationSeed(42, k))).size).toBe(4);
  });

  it('summary.csv: means and 95% Student-t intervals equal a hand computation over the 3 seeds', async () => {
    const seeds = [1, 2, 3].map((k) => replicationSeed(42, k));
    const single = [];
    for (const seed of seeds) {
      writeFileSync(join(dir, `seed-${seed}.yaml`), stringify({ ...doc, seed }));
      single.push((await runScenario(loadScenario(join(dir, `seed-${seed}.yaml`)))).summary[0]!);
    }
    const out = join(dir, 'out0');
    capture();
    expect(await main(['node', 'airtune', 'run', file, '--replications', '3', '--workers', '0', '--out', out, '--quiet'])).toBe(0);
    const [row] = csv(join(out, 'summary.csv'));
    const t975 = 4.302652729911275; // t(0.975, 2), tabulated
    const hand = (xs: number[]) => {
      const m = (xs[0]! + xs[1]! + xs[2]!) / 3;
      const s = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / 2);
      return { m, half: (t975 * s) / Math.sqrt(3) };
    };
    const total = hand(single.map((s) => s.total_time_s));
    expect(total.half).toBeGreaterThan(0); // the seeds really differ
    expect(Number(row!.replications)).toBe(3);
    expect(Number(row!.total_time_s)).toBeCloseTo(total.m, 9);
    expect(Math.abs(Number(row!.total_time_ci95_s) / total.half - 1)).toBeLessThan(1e-8);
    const reached = single.map((s) => s.time_to_target_s);
    expect(reached.every((x) => x !== null)).toBe(true);
    const ttt = hand(reached as number[]);
    expect(Number(row!.time_to_target_s)).toBeCloseTo(ttt.m, 9);
    expect(Math.abs(Number(row!.time_to_target_ci95_s) / ttt.half - 1)).toBeLessThan(1e-8);
    expect(Number(row!.target_reached)).toBe(3);
    const up = hand(single.map((s) => s.bytes_up));
    // Byte columns are written as whole bytes (src/output/csv.ts): the mean and half-width to the nearest byte.
    expect(Number(row!.bytes_up)).toBe(Math.round(up.m));
    expect(up.half).toBeGreaterThan(0); // dropouts differ by seed
    expect(Number(row!.bytes_up_ci95)).toBe(Math.round(up.half));
    // One row per replication in replications.csv, with its seed.
    expect(csv(join(out, 'replications.csv')).map((r) => Number(r.seed))).toEqual(seeds);
    // at_time.csv: the loss at 20 s, averaged over the replications, with its interval.
    const rounds = csv(join(out, 'rounds.csv'));
    const at20 = seeds.map((_, k) => {
      const rows = rounds.filter((r) => Number(r.replication) === k + 1 && Number(r.sim_time_s) <= 20 && r.test_loss !== '');
      return Number(rows.at(-1)!.test_loss);
    });
    const l = hand(at20);
    const atRow = csv(join(out, 'at_time.csv')).find((r) => Number(r.sim_time_s) === 20)!;
    expect(Number(atRow.test_loss)).toBeCloseTo(l.m, 12);
    expect(l.half).toBeGreaterThan(0);
    expect(Math.abs(Number(atRow.test_loss_ci95) / l.half - 1)).toBeLessThan(1e-8);
  });

  it('the same bytes with 1 and 2 workers', async () => {
    const outs = [1, 2].map((w) => join(dir, `w${w}`));
    for (const [i, out] of outs.entries()) {
      capture();
      expect(await main(['node', 'airtune', 'run', file, '--replications', '3', '--workers', String(i + 1), '--out', out, '--quiet'])).toBe(0);
      vi.restoreAllMocks();
    }
    // Every byte but meta.json's `command` (how airtune was called: here the --workers and --out).
    const [a, b] = outs.map(snapshot);
    expect(Object.keys(a!)).toContain('replications.csv');
    expect(b).toEqual(a);
  });
});
