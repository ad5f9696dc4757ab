/**
 * The convergence columns of summary.csv (rounds_to_converge, time_to_converge_s: the JCPBA
 * rounds model R = A / (epsilon - beta rhobar) times the mean realised round latency) on
 * hand-made rounds, and the plain-sentence findings (src/output/findings.ts) on hand-made
 * summaries: which metric is the headline, who is compared with whom, and the wording of each
 * outcome.
 */
import { describe, expect, it } from 'vitest';
import { findings, headlineMetric, JCPBA_RECONSTRUCTION_NOTE } from '../../src/output/findings.js';
import type { RoundRecord, SummaryRecord } from '../../src/output/records.js';
import { comparison, summary } from '../helpers/comparison.js';
import { summarise } from '../../src/simulation/summary.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { loadObject } from '../helpers/scenario.js';

function round(r: Partial<RoundRecord> & { round: number }): RoundRecord {
  return {
    method: 'm',
    replication: 1,
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
    dropped_oom: 0,
    dropped_dropout: 0,
    dropped_late: 0,
    dropped_unavailable: 0,
    dropped_stale: 0,
    dropped_infeasible: 0,
    dropped_no_link: 0,
    dropped_no_prb: 0,
    rho_mean: null,
    timing_model: 't',
    loss_model: 'l',
    ...r,
  };
}

describe('summary.csv convergence columns', () => {
  const model = { A: 50, epsilon: 1, beta: 0.8, source: 'assumed' };
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
    expect(summarise('j', 'jcpba', 't', 'l', rounds, [], null, { A: 50, epsilon: 0.24, beta: 0.8, source: 'assumed' })).toMatchObject({ rounds_to_converge: null, time_to_converge_s: null });
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

describe('findings', () => {
  it('the headline is time to target when a target is set, else time to converge when every method has it, else the mean round latency', () => {
    const withTarget = [summary({ method: 'a', target_test_loss: 2.5, time_to_target_s: 30 }), summary({ method: 'b', time_to_converge_s: 1 })];
    expect(headlineMetric(withTarget).label).toBe('time to reach test loss 2.5');
    expect(headlineMetric(withTarget).value(withTarget[0]!)).toBe(30);
    const conv = [summary({ method: 'a', time_to_converge_s: 5 }), summary({ method: 'b', time_to_converge_s: 7 })];
    expect(headlineMetric(conv).label).toMatch(/time to converge, computed by JCPBA's rounds model/);
    expect(headlineMetric(conv).value(conv[1]!)).toBe(7);
    // Never the wall-clock of runs whose rounds differ in length: the mean round latency instead.
    const mixed = [summary({ method: 'a', time_to_converge_s: 5 }), summary({ method: 'b', mean_round_latency_s: 42 })];
    expect(headlineMetric(mixed).label).toBe('mean round latency (simulated clock)');
    expect(headlineMetric(mixed).value(mixed[1]!)).toBe(42);
  });

  it('JCPBA first, compared with every other method by time to target: faster, slower, equal, and one that never got there', () => {
    const s = [
      summary({ method: 'fedavg', target_test_loss: 2, time_to_target_s: 200 }),
      summary({ method: 'jcpba', target_test_loss: 2, time_to_target_s: 100 }),
      summary({ method: 'fedlora', target_test_loss: 2, time_to_target_s: 50 }),
      summary({ method: 'blockllm', target_test_loss: 2, time_to_target_s: 100 }),
      summary({ method: 'fedkseed', target_test_loss: 2, time_to_target_s: null, rounds: 8, total_time_s: 4000, stop_reason: 'sim-time', final_test_loss: 2.5 }),
    ];
    expect(findings(comparison(s))).toEqual([
      JCPBA_RECONSTRUCTION_NOTE,
      'jcpba reached test loss 2 in 1.67 min, 50.0% less than fedavg (3.33 min); 2.00x faster.',
      'jcpba reached test loss 2 in 1.67 min, 2.00x the time of fedlora (50.00 s): fedlora is faster.',
      'jcpba reached test loss 2 in 1.67 min, the same as blockllm.',
      'jcpba reached test loss 2 in 1.67 min; fedkseed did not reach it: its run stopped at 1.11 h (stop rule: sim-time, after 8 rounds; final test loss 2.5000).',
    ]);
  });

  it('several JCPBA allocators without a target: the best time to converge (a model output, labelled) against the others', () => {
    const rm = 'assumed: A = 50, epsilon = 1, beta = 0.8';
    const s = [
      summary({ method: 'jcpba-bcd', method_id: 'jcpba', time_to_converge_s: 300, rounds_model: rm }),
      summary({ method: 'jcpba-exact', method_id: 'jcpba', time_to_converge_s: 200, rounds_model: rm }),
      summary({ method: 'jcpba-equal', method_id: 'jcpba', time_to_converge_s: 400, rounds_model: rm }),
    ];
    const label = "time to converge, computed by JCPBA's rounds model (assumed constants, not calibrated) x realised round latency";
    expect(findings(comparison(s))).toEqual([
      JCPBA_RECONSTRUCTION_NOTE,
      `jcpba-exact: ${label} 3.33 min, 33.3% less than jcpba-bcd (5.00 min).`,
      `jcpba-exact: ${label} 3.33 min, 50.0% less than jcpba-equal (6.67 min).`,
    ]);
  });

  it('a subject that missed the target says why its run stopped', () => {
    const missed = [
      summary({ method: 'jcpba', target_test_loss: 1, time_to_target_s: null, rounds: 5, total_time_s: 0.5 }),
      summary({ method: 'fedavg', target_test_loss: 1, time_to_target_s: 9 }),
    ];
    expect(findings(comparison(missed))).toEqual([JCPBA_RECONSTRUCTION_NOTE, 'jcpba did not reach test loss 1: its run stopped at 500.0 ms (stop rule: rounds, after 5 rounds; final test loss -).']);
  });

  it('at equal simulated time: the latest compared time before any budget-cut run ended, the loss each server holds then', () => {
    const r = (method: string, t: number, loss: number, round: number) => ({ ...round_(method, round), sim_time_s: t, test_loss: loss });
    // a: evaluations at 0, 50 and 400 s, stopped by its sim-time budget at 400 s; b: at 0 and 900 s.
    const a = [r('a', 0, 5, 0), r('a', 50, 4, 1), r('a', 400, 3, 2)];
    const b = [r('b', 0, 5, 0), r('b', 900, 3.5, 1)];
    const s = [summary({ method: 'a', stop_reason: 'sim-time' }), summary({ method: 'b', stop_reason: 'rounds' })];
    const c = comparison(s, { times: [100, 1000], series: new Map([['a', [a]], ['b', [b]]]) });
    // 1000 s is past a's end (400 s), so the fair time is 100 s: a holds round 1's model (4), b none yet.
    expect(findings(c)).toEqual([
      'At 1.67 min of simulated time (the same for every method; the latest compared time before any run stopped, except at a plateau), test loss (last evaluation at or before then): a 4.0000, b 5.0000 (no round finished yet).',
    ]);
  });

  it('a method no client could run is reported and left out of the comparison', () => {
    const s = [
      summary({ method: 'fedavg', client_rounds_ok: 0, clients_oom: 4, total_time_s: 0, stop_reason: 'no-participants' }),
      summary({ method: 'fedlora', total_time_s: 60 }),
    ];
    expect(findings(comparison(s))).toEqual(['fedavg: no client could take part in any round (4 of them lack the memory; stop rule: no-participants); left out of the comparisons.']);
    expect(findings(comparison([summary({ method: 'only' })]))).toEqual([]);
  });
});

function round_(method: string, n: number): RoundRecord {
  return { ...round({ round: n }), method };
}
