// FedCyBGD's sequential cycle (Wang et al. 2024, official run_fl_sft): on fixed-rate links a
// round's latency is the sum over its clients of download, compute and upload, each client
// starting when the previous one's upload has ended.
import { describe, expect, it } from 'vitest';
import { getPreset } from '../../src/costs/index.js';
import { fedcybgd, fedcybgdParams } from '../../src/methods/fedcybgd.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { UsageError } from '../../src/core/errors.js';
import { loadObject as load } from '../helpers/scenario.js';

const hand = {
  name: 'seq',
  seed: 3,
  rounds: 2,
  clients: { count: 3, compute: ['1 TFLOP/s', '2 TFLOP/s', '4 TFLOP/s'], utilisation: 1, memory: '16 GB' },
  network: { type: 'fixed', uplinkRate: ['10 Mb/s', '20 Mb/s', '40 Mb/s'], downlinkRate: ['100 Mb/s', '50 Mb/s', '80 Mb/s'] },
  model: { workload: { flops: '6 TFLOP', upload: '5 MB', download: '20 MB', memory: '4 GB' } },
  methods: ['fedcybgd', 'fedavg'],
  round: { mode: 'sync', aggregationTime: '250 ms' },
};

describe('sequential schedule (FedCyBGD)', () => {
  it('explicit workload, fixed links: the round latency is the sum over the clients, the parallel one the max', async () => {
    const run = await runScenario(load(hand));
    const turn = [0, 1, 2].map((k) => (8 * 20e6) / [100e6, 50e6, 80e6][k]! + 6e12 / [1e12, 2e12, 4e12][k]! + (8 * 5e6) / [10e6, 20e6, 40e6][k]!);
    // 1.6 + 6 + 4 = 11.6; 3.2 + 3 + 2 = 8.2; 2 + 1.5 + 1 = 4.5
    const seqRound = turn.reduce((a, b) => a + b, 0) + 0.25;
    const parRound = Math.max(...turn) + 0.25;
    for (const r of run.rounds.filter((r) => r.method === 'fedcybgd')) expect(r.round_latency_s).toBeCloseTo(seqRound, 9);
    for (const r of run.rounds.filter((r) => r.method === 'fedavg')) expect(r.round_latency_s).toBeCloseTo(parRound, 9);
    // Client 2 finishes at the end of the chain; its own download took 2 s (not the wait before it).
    const c2 = run.clients.find((c) => c.method === 'fedcybgd' && c.round === 1 && c.client === 2)!;
    expect(c2.t_done_s).toBeCloseTo(seqRound - 0.25, 9);
    expect(c2.t_download_s).toBeCloseTo(2, 9);
    expect(c2.t_compute_s).toBeCloseTo(1.5, 9);
    expect(c2.t_upload_s).toBeCloseTo(1, 9);
  });

  it('LLM timing model: each turn downloads the blocks changed since the client last held the model', async () => {
    const s = {
      ...hand,
      rounds: 2,
      model: { preset: 'gpt2-124m', weights: 'bf16', seqLen: 128, batchSize: 1, localSteps: 2 },
      methods: ['fedcybgd'],
      round: { mode: 'sync', aggregationTime: 0 },
    };
    const loaded = load(s);
    const run = await runScenario(loaded);
    const arch = getPreset('gpt2-124m');
    const model = loaded.scenario.model;
    if (model.kind !== 'llm') throw new Error('expected an LLM timing model');
    const work = model.work;
    const params = fedcybgdParams.parse({});
    const history = [[0, 1, 2], [0, 1, 2]];
    for (const round of [1, 2]) {
      let expected = 0;
      for (const k of [0, 1, 2]) {
        const l = fedcybgd.load({ arch, work, round: round - 1, client: k, clients: 3, history: history.slice(0, round) }, params);
        expected += (8 * l.downloadBytes) / [100e6, 50e6, 80e6][k]! + l.flops / [1e12, 2e12, 4e12][k]! + (8 * l.uploadBytes) / [10e6, 20e6, 40e6][k]!;
        const rec = run.clients.find((c) => c.round === round && c.client === k)!;
        expect(rec.download_bytes).toBe(l.downloadBytes);
      }
      expect(run.rounds.find((r) => r.round === round)!.round_latency_s).toBeCloseTo(expected, 6);
    }
    // Round 1: client 0 downloads nothing (pre-trained model), client 2 the blocks of 0 and 1;
    // round 2: every client the two blocks the others trained.
    const bytes = (round: number) => [0, 1, 2].map((k) => run.clients.find((c) => c.round === round && c.client === k)!.download_bytes);
    const block = bytes(1)[1]!;
    expect(bytes(1)).toEqual([0, block, 2 * block]);
    expect(bytes(2)).toEqual([2 * block, 2 * block, 2 * block]);
  });

  it('deadline mode: turns that would start after the deadline do not run', async () => {
    const s = { ...hand, methods: ['fedcybgd'], round: { mode: 'deadline', deadline: '15 s', aggregationTime: 0 } };
    const run = await runScenario(load(s));
    // Client 0 is done at 11.6 s; client 1 would finish at 19.8 s: late; client 2 never starts.
    for (const r of run.rounds) {
      expect(r.participants).toBe(1);
      expect(r.round_latency_s).toBeCloseTo(15, 9);
    }
    expect(run.clients.filter((c) => c.client > 0).every((c) => c.status === 'late')).toBe(true);
  });

  it('refuses round.mode async for a sequential method', async () => {
    const s = { ...hand, methods: ['fedcybgd'], round: { mode: 'async' } };
    await expect(runScenario(load(s))).rejects.toThrow(UsageError);
  });
});
