/**
 * The convergence columns of summary.csv (rounds_to_converge, time_to_converge_s: the JCPBA
 * rounds model R = A / (epsilon - beta rhobar) times the mean realised round latency) on
 * hand-made rounds, and the plain-sentence findings (src/output/findings.ts) on hand-made
 * summaries: which metric is the headline, who is compared with whom, and the wording of each
 * outcome.
 */
import { describe, expect, it } from 'vitest';
import { findings, headlineMetric } from '../../src/output/findings.js';
import type { RoundRecord, SummaryRecord } from '../../src/output/records.js';
import { summarise } from '../../src/simulation/summary.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { loadObject } from '../helpers/scenario.js';

function round(r: Partial<RoundRecord> & { round: number }): RoundRecord {
  return {
    method: 'm',
    sim_time_s: 0,
    round_latency_s: 0,
    planned_latency_s: null,
    train_loss: null,
    test_loss: null,
    bytes_up: 0,
    bytes_down: 0,
    energy_j: 0,
    participants: 2,
    dropped: 0,
    rho_mean: null,
    timing_model: 't',
    loss_model: 'l',
    ...r,
  };
}

describe('summary.csv convergence columns', () => {
  const model = { A: 50, epsilon: 1, beta: 0.8 };
  const rounds = [
    round({ round: 0, round_latency_s: 0, rho_mean: null }), // round 0 (evaluation only) is not a round
    round({ round: 1, round_latency_s: 10, rho_mean: 0.2 }),
    round({ round: 2, round_latency_s: 14, rho_mean: 0.4 }),
    round({ round: 3, round_latency_s: 99, rho_mean: 0.9, participants: 0 }), // nobody took part: skipped
    round({ round: 4, round_latency_s: 12, rho_mean: 0.3 }),
  ];

  it('R = A / (epsilon - beta rhobar) over the rounds with participants; time = R x their mean latency', () => {
    const s = summarise('jcpba', 'jcpba', 't', 'l', rounds, [], null, model);
    // rhobar = (0.2 + 0.4 + 0.3) / 3 = 0.3; R = 50 / (1 - 0.24) = 65.789...; mean latency 12 s.
    expect(s.rounds_to_converge).toBeCloseTo(50 / 0.76, 12);
    expect(s.time_to_converge_s).toBeCloseTo((50 / 0.76) * 12, 9);
  });

  it('a round without a pruning rate counts as rho = 0', () => {
    const s = summarise('x', 'jcpba', 't', 'l', [round({ round: 1, round_latency_s: 5, rho_mean: null }), round({ round: 2, round_latency_s: 7, rho_mean: 0.5 })], [], null, model);
    expect(s.rounds_to_converge).toBeCloseTo(50 / (1 - 0.8 * 0.25), 12);
    expect(s.time_to_converge_s).toBeCloseTo((50 / 0.8) * 6, 9);
  });

  it('empty when the method has no rounds model, when no round had participants, and when the model is undefined', () => {
    expect(summarise('f', 'fedavg', 't', 'l', rounds, [], null)).toMatchObject({ rounds_to_converge: null, time_to_converge_s: null });
    expect(summarise('j', 'jcpba', 't', 'l', [rounds[0]!, rounds[3]!], [], null, model)).toMatchObject({ rounds_to_converge: null, time_to_converge_s: null });
    // beta rhobar = 0.8 x 0.3 = 0.24 >= epsilon 0.24: undefined, not a negative or infinite count.
    expect(summarise('j', 'jcpba', 't', 'l', rounds, [], null, { A: 50, epsilon: 0.24, beta: 0.8 })).toMatchObject({ rounds_to_converge: null, time_to_converge_s: null });
  });

  it('in a run: JCPBA rows carry the columns computed from its own rounds.csv, other methods leave them empty', async () => {
    const run = await runScenario(
      loadObject({
        name: 'conv',
        seed: 2,
        rounds: 3,
        clients: { count: 3, compute: '4 TFLOP/s', memory: ['2 GB', '16 GB', '16 GB'], distance: 'uniform(50 m, 300 m)' },
        network: { type: 'wireless', bandwidth: '10 MHz' },
        model: { preset: 'gpt2-124m', weights: 'fp32', seqLen: 128, batchSize: 2, localSteps: 2 },
        methods: ['fedavg', { id: 'jcpba', roundsModel: { A: 40, epsilon: 1, beta: 0.5 } }],
      }),
    );
    const fedavg = run.summary.find((s) => s.method_id === 'fedavg')!;
    expect(fedavg.rounds_to_converge).toBeNull();
    expect(fedavg.time_to_converge_s).toBeNull();
    const j = run.summary.find((s) => s.method_id === 'jcpba')!;
    const real = run.rounds.filter((r) => r.method === j.method && r.round > 0 && r.participants > 0);
    expect(real.length).toBe(3);
    const rhobar = real.reduce((a, r) => a + (r.rho_mean ?? 0), 0) / real.length;
    expect(rhobar).toBeGreaterThan(0); // the 2 GB client must prune
    const R = 40 / (1 - 0.5 * rhobar);
    expect(j.rounds_to_converge).toBeCloseTo(R, 9);
    expect(j.time_to_converge_s! / (R * (real.reduce((a, r) => a + r.round_latency_s, 0) / 3))).toBeCloseTo(1, 12);
  });
});

function summary(s: Partial<SummaryRecord> & { method: string }): SummaryRecord {
  return {
    method_id: s.method,
    timing_model: 't',
    loss_model: 'l',
    rounds: 10,
    total_time_s: 1000,
    mean_round_latency_s: 100,
    mean_planned_latency_s: null,
    time_to_target_s: null,
    target_test_loss: null,
    final_test_loss: null,
    bytes_up: 0,
    bytes_down: 0,
    energy_j: 0,
    client_rounds_ok: 10,
    client_rounds_dropped: 0,
    clients_oom: 0,
    rounds_to_converge: null,
    time_to_converge_s: null,
    ...s,
  };
}

describe('findings', () => {
  it('the headline is time to target when a target is set, else time to converge when every method has it, else wall-clock', () => {
    const withTarget = [summary({ method: 'a', target_test_loss: 2.5, time_to_target_s: 30 }), summary({ method: 'b', time_to_converge_s: 1 })];
    expect(headlineMetric(withTarget).label).toBe('time to reach test loss 2.5');
    expect(headlineMetric(withTarget).value(withTarget[0]!)).toBe(30);
    const conv = [summary({ method: 'a', time_to_converge_s: 5 }), summary({ method: 'b', time_to_converge_s: 7 })];
    expect(headlineMetric(conv).label).toMatch(/time to converge/);
    expect(headlineMetric(conv).value(conv[1]!)).toBe(7);
    const mixed = [summary({ method: 'a', time_to_converge_s: 5 }), summary({ method: 'b', total_time_s: 42 })];
    expect(headlineMetric(mixed).label).toMatch(/wall-clock/);
    expect(headlineMetric(mixed).value(mixed[1]!)).toBe(42);
  });

  it('JCPBA first, compared with every other method: faster, slower, equal, and one that never got there', () => {
    const s = [
      summary({ method: 'fedavg', target_test_loss: 2, time_to_target_s: 200 }),
      summary({ method: 'jcpba', target_test_loss: 2, time_to_target_s: 100 }),
      summary({ method: 'fedlora', target_test_loss: 2, time_to_target_s: 50 }),
      summary({ method: 'blockllm', target_test_loss: 2, time_to_target_s: 100 }),
      summary({ method: 'fedkseed', target_test_loss: 2, time_to_target_s: null, rounds: 8, total_time_s: 4000 }),
    ];
    expect(findings(s)).toEqual([
      'jcpba: time to reach test loss 2 1.67 min, 50.0% less than fedavg (3.33 min); 2.00x faster.',
      'jcpba: time to reach test loss 2 1.67 min, 2.00x that of fedlora (50.00 s): fedlora is faster.',
      'jcpba: time to reach test loss 2 1.67 min, the same as blockllm.',
      'jcpba: time to reach test loss 2 1.67 min; fedkseed did not get there in 8 rounds (1.11 h).',
    ]);
  });

  it('several JCPBA allocators: the exact one is the subject and the others are compared with it', () => {
    const s = [
      summary({ method: 'jcpba-bcd', method_id: 'jcpba', time_to_converge_s: 300 }),
      summary({ method: 'jcpba-exact', method_id: 'jcpba', time_to_converge_s: 200 }),
      summary({ method: 'jcpba-equal', method_id: 'jcpba', time_to_converge_s: 400 }),
    ];
    expect(findings(s)).toEqual([
      'jcpba-exact: time to converge (rounds model x realised round latency) 3.33 min, 33.3% less than jcpba-bcd (5.00 min); 1.50x faster.',
      'jcpba-exact: time to converge (rounds model x realised round latency) 3.33 min, 50.0% less than jcpba-equal (6.67 min); 2.00x faster.',
    ]);
  });

  it('without JCPBA the fastest method is the subject; a subject that missed the target says so', () => {
    const s = [summary({ method: 'slow', total_time_s: 90 }), summary({ method: 'fast', total_time_s: 45 })];
    expect(findings(s)).toEqual(["fast: wall-clock time for the run's rounds 45.00 s, 50.0% less than slow (1.50 min); 2.00x faster."]);
    const missed = [
      summary({ method: 'jcpba', target_test_loss: 1, time_to_target_s: null, rounds: 5, total_time_s: 0.5 }),
      summary({ method: 'fedavg', target_test_loss: 1, time_to_target_s: 9 }),
    ];
    expect(findings(missed)).toEqual(['jcpba did not reach the target test loss within its 5 rounds (500.0 ms).']);
  });

  it('a method no client could run is reported and left out of the comparison', () => {
    const s = [
      summary({ method: 'fedavg', client_rounds_ok: 0, clients_oom: 4, total_time_s: 0 }),
      summary({ method: 'fedlora', total_time_s: 60 }),
    ];
    expect(findings(s)).toEqual(['fedavg: no client could take part in any round (4 of them lack the memory); its times are not comparable.']);
    expect(findings([summary({ method: 'only' })])).toEqual([]);
  });
});
