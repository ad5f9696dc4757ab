import { describe, expect, it } from 'vitest';
import { loadObject as load } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { toCsv } from '../../src/output/csv.js';
import { ROUND_COLUMNS, SUMMARY_COLUMNS } from '../../src/output/records.js';


const coupled = {
  name: 'coupled',
  seed: 11,
  rounds: 3,
  clients: { count: 3, compute: 'uniform(1 TFLOP/s, 4 TFLOP/s)', memory: '32 GB', distance: 'uniform(50 m, 300 m)' },
  network: { type: 'wireless', bandwidth: '10 MHz', fading: { model: 'rayleigh', coherenceTime: '10 ms' } },
  model: { preset: 'gpt2-124m', seqLen: 256, batchSize: 2, localSteps: 4 },
  methods: ['fedavg', { id: 'fedlora', rank: 4 }],
  training: {
    data: { source: 'generated-gsm8k', records: 150 },
    localSteps: 2,
    batchSize: 4,
    seqLen: 16,
    pretrainSteps: 5,
    evalBatches: 2,
    workers: 0,
  },
};

describe('coupled run: real losses on the simulated clock', () => {
  it('two methods end to end: columns, increasing sim time, finite losses', async () => {
    const run = await runScenario(load(coupled));
    const csv = toCsv(run.rounds, ROUND_COLUMNS);
    expect(csv.split('\n')[0]).toBe(ROUND_COLUMNS.join(','));
    expect(run.rounds).toHaveLength(2 * (1 + 3)); // round 0 (before training) + 3 rounds, per method
    for (const method of ['fedavg', 'fedlora']) {
      const rows = run.rounds.filter((r) => r.method === method);
      expect(rows.map((r) => r.round)).toEqual([0, 1, 2, 3]);
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.sim_time_s).toBeGreaterThan(rows[i - 1]!.sim_time_s);
      for (const r of rows) expect(Number.isFinite(r.test_loss)).toBe(true);
      for (const r of rows.slice(1)) expect(Number.isFinite(r.train_loss)).toBe(true);
      expect(rows.every((r) => r.timing_model.startsWith('gpt2-124m') && r.loss_model.includes('tfjs'))).toBe(true);
    }
    // Both methods start from the same pre-trained base on the same data.
    const r0 = run.rounds.filter((r) => r.round === 0).map((r) => r.test_loss);
    expect(r0[0]).toBe(r0[1]);
    expect(run.summary.map((s) => s.stop_reason)).toEqual(['rounds', 'rounds']);
    expect(toCsv(run.summary, SUMMARY_COLUMNS).split('\n')[0]).toContain('loss_model');
  });
});
