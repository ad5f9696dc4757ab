import { describe, expect, it } from 'vitest';
import { runMethod, type MethodRunOptions } from '../../src/simulation/run.js';
import { FixedLinks } from '../../src/simulation/links.js';
import { explicitPlanner } from '../../src/simulation/planners.js';
import type { SimClient, Trainer } from '../../src/simulation/types.js';
import { createStopEvaluator, stopRulesFor, type StopRules } from '../../src/simulation/stop.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { atTimeRows, autoTimes } from '../../src/compare/at-time.js';
import { compareRuns } from '../../src/compare/index.js';
import { findings } from '../../src/output/findings.js';
import { toCsv } from '../../src/output/csv.js';
import { AT_TIME_COLUMNS } from '../../src/output/records.js';
import { loadObject as load } from '../helpers/scenario.js';
import { ScenarioError } from '../../src/scenario/errors.js';

function client(index: number): SimClient {
  return {
    index, id: `c${index}`, kind: 'test', flopsPerS: 1e12, memoryBytes: 1e12, txPowerW: 0.2, distanceM: 100,
    computePowerW: 0, dropoutProb: 0, availability: { kind: 'always' }, weight: 1, utilisation: 1,
  };
}

/** A trainer whose test loss after round r is `loss(r)`. */
function trainer(loss: (round: number) => number): Trainer {
  return { aggregate: (round) => ({ trainLoss: null, testLoss: loss(round) }) };
}

// One client on 8 Mb/s links, no compute: a round moves `mb` MB down and `mb` MB up, so it lasts
// 2 * 8 * mb / 8 = 2 mb seconds exactly (integers: no rounding anywhere on the clock).
function method(label: string, mb: number, stop: StopRules, loss: (round: number) => number, initial = 4): MethodRunOptions {
  return {
    label, seed: 1, stop, clients: [client(0)],
    links: new FixedLinks({ kind: 'const', value: 8e6 }, { kind: 'const', value: 8e6 }, 1, 1),
    planner: explicitPlanner({ flops: 0, memoryBytes: 0, uploadBytes: mb * 1e6, downloadBytes: mb * 1e6 }, 1),
    protocol: { mode: 'sync', aggregationTime: 0, buffer: 1, stalenessExponent: 0 },
    timingModel: 'explicit', trainer: trainer(loss), initialTestLoss: initial,
  };
}

describe('stop rules: 10 s rounds against 1,000 s rounds under one simulated-time budget', () => {
  const stop = { simTimeS: 3000, rounds: 1000 };
  const fast = (r: number) => 4 - 0.001 * r;
  const slow = (r: number) => 4 - 0.5 * r;

  it('each runs exactly the rounds that start before 3,000 s', async () => {
    const a = await runMethod(method('fast', 5, stop, fast));
    const b = await runMethod(method('slow', 500, stop, slow));
    // Rounds start at 0, 10, ..., 2990 (300 rounds; 3000 is not before the budget) and at 0, 1000, 2000.
    expect(a.rounds.filter((r) => r.round > 0)).toHaveLength(300);
    expect(a.rounds.at(-1)!.sim_time_s).toBe(3000);
    expect(b.rounds.filter((r) => r.round > 0).map((r) => r.sim_time_s)).toEqual([1000, 2000, 3000]);
    expect([a.stopReason, b.stopReason]).toEqual(['sim-time', 'sim-time']);
    // The round cap fires first when it is tighter.
    const capped = await runMethod(method('fast', 5, { simTimeS: 3000, rounds: 100 }, fast));
    expect(capped.rounds.at(-1)!.round).toBe(100);
    expect(capped.stopReason).toBe('rounds');
  });

  it('at_time.csv reads the last evaluation at or before each time', async () => {
    const a = await runMethod(method('fast', 5, stop, fast));
    const b = await runMethod(method('slow', 500, stop, slow));
    const rows = [...atTimeRows('fast', [a.rounds], [1800, 2500, 3600]), ...atTimeRows('slow', [b.rounds], [1800, 2500, 3600])];
    // fast: round 180 ends at 1800 (included), 250 at 2500, all 300 by 3600 (then stopped).
    // slow: round 1 ends at 1000, round 2 at 2000, round 3 at 3000.
    expect(toCsv(rows, AT_TIME_COLUMNS)).toBe(
      [
        'method,sim_time_s,test_loss,test_loss_ci95,rounds_done,runs_stopped,replications',
        `fast,1800,${4 - 0.18},,180,0,1`,
        `fast,2500,${4 - 0.25},,250,0,1`,
        `fast,3600,${4 - 0.3},,300,1,1`,
        'slow,1800,3.5,,1,0,1',
        'slow,2500,3,,2,0,1',
        'slow,3600,2.5,,3,1,1',
        '',
      ].join('\n'),
    );
    // The automatic grid: round clock values from the first round's end to the longest run, plus
    // the shared budget and the longest run's end (here both 3,000 s).
    expect(autoTimes([a.rounds, b.rounds], [3000])).toEqual([10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3000]);
  });
});

describe('stop evaluator', () => {
  it('simTime: no round starts at or after the budget', () => {
    const e = createStopEvaluator({ simTimeS: 100 });
    expect(e.beforeRound(1, 0)).toBeNull();
    expect(e.beforeRound(2, 99.999)).toBeNull();
    expect(e.beforeRound(3, 100)).toBe('sim-time');
  });

  it('target: the first evaluation at or below it, round 0 included', () => {
    const last = (testLoss: number | null) => ({ testLoss, participants: 1, nobodyFits: false, latencyS: 1 });
    const e = createStopEvaluator({ rounds: 10, targetTestLoss: 3 }, 4);
    expect(e.beforeRound(1, 0)).toBeNull();
    expect(e.beforeRound(2, 1, last(3.01))).toBeNull();
    expect(e.beforeRound(3, 2, last(null))).toBeNull(); // no evaluation this round
    expect(e.beforeRound(4, 3, last(3))).toBe('target');
    expect(createStopEvaluator({ rounds: 10, targetTestLoss: 3 }, 2.9).beforeRound(1, 0)).toBe('target');
  });

  it('plateau: Keras EarlyStopping (improvement = loss + minDelta < best; patience in evaluations)', () => {
    // Hand trace, minDelta 0.1, patience 2. best: 5 -> 4.8 (improves) ; 4.75 (no, 4.85 >= 4.8: wait 1);
    // 4.69 (4.79 < 4.8: improves, wait 0, best 4.69); 4.65 (wait 1); 4.6 (4.7 >= 4.69: wait 2) -> stop.
    const losses = [4.8, 4.75, 4.69, 4.65, 4.6];
    const e = createStopEvaluator({ rounds: 100, plateau: { evaluations: 2, minDelta: 0.1 } }, 5);
    const reasons = losses.map((l, i) => e.beforeRound(i + 2, i + 1, { testLoss: l, participants: 1, nobodyFits: false, latencyS: 1 }));
    expect(reasons).toEqual([null, null, null, null, 'plateau']);
  });

  it('when several rules fire together: target, plateau, no-participants, rounds, trace-end, sim-time', () => {
    const all: StopRules = { rounds: 1, simTimeS: 1, targetTestLoss: 3, plateau: { evaluations: 1, minDelta: 0 }, lastRound: 1 };
    const out = (loss: number, participants = 1, nobodyFits = false) => ({ testLoss: loss, participants, nobodyFits, latencyS: 1 });
    expect(createStopEvaluator(all, 4).beforeRound(2, 5, out(2))).toBe('target');
    expect(createStopEvaluator(all, 4).beforeRound(2, 5, out(4))).toBe('plateau');
    expect(createStopEvaluator({ ...all, plateau: undefined }, 4).beforeRound(2, 5, out(4, 0, true))).toBe('no-participants');
    expect(createStopEvaluator({ ...all, plateau: undefined }, 4).beforeRound(2, 5, out(4))).toBe('rounds');
    expect(createStopEvaluator({ simTimeS: 1, lastRound: 1 }).beforeRound(2, 5, out(4))).toBe('trace-end');
  });
});

const base = {
  name: 'stops',
  seed: 3,
  clients: { count: 2, compute: '1 TFLOP/s', memory: '16 GB' },
  network: { type: 'fixed', uplinkRate: '8 Mb/s', downlinkRate: '8 Mb/s' },
  model: { workload: { flops: '1 TFLOP', upload: '1 MB', download: '1 MB', memory: '1 GB' } },
  methods: ['fedavg', { id: 'fedlora', stop: { simTime: '10 s' } }],
};

describe('stop rules in the scenario', () => {
  it('older spellings: rounds, maxSimTime and training.targetTestLoss', () => {
    const s = load({ ...base, rounds: 7, maxSimTime: '1 h', methods: ['fedavg'], training: { targetTestLoss: 3.2 } }).scenario;
    expect(stopRulesFor(s, s.methods[0]!)).toEqual({ rounds: 7, simTimeS: 3600, targetTestLoss: 3.2 });
    const t = load({ ...base, stop: { rounds: 7, targetTestLoss: 3 }, methods: ['fedavg'], training: { targetTestLoss: 3.2 } }).scenario;
    expect(stopRulesFor(t, t.methods[0]!).targetTestLoss).toBe(3); // stop's own target wins
  });

  it('a method entry overrides the scenario rules field by field', () => {
    const s = load({ ...base, stop: { rounds: 50, simTime: '1 h' } }).scenario;
    expect(stopRulesFor(s, s.methods[0]!)).toEqual({ rounds: 50, simTimeS: 3600 });
    expect(stopRulesFor(s, s.methods[1]!)).toEqual({ rounds: 50, simTimeS: 10 });
    expect(s.methods[1]!.params).not.toHaveProperty('stop'); // not passed to the method's own params
  });

  it('refuses a run that no rule is sure to end, and rules that need losses in a timing-only scenario', () => {
    const bad = (obj: unknown) => {
      try {
        load(obj);
      } catch (e) {
        if (e instanceof ScenarioError) return e.message;
      }
      return 'no error';
    };
    expect(bad({ ...base, methods: ['fedavg'], stop: {} })).toMatch(/stop: no stop rule is sure to end the runs: set stop\.rounds or stop\.simTime/);
    expect(bad({ ...base, stop: { plateau: { evaluations: 2 } }, training: {} })).toMatch(/method "fedavg" has no stop rule that is sure to end the run/);
    expect(bad({ ...base, stop: { rounds: 5, plateau: { evaluations: 3 } } })).toMatch(/stop\.plateau: stop\.plateau needs test losses, but the scenario has no training section/);
    expect(bad({ ...base, rounds: 5, stop: { rounds: 5 } })).toMatch(/rounds: the round limit is given twice/);
    expect(bad({ ...base, stop: { rounds: 5 }, methods: [{ id: 'fedavg', stop: { round: 3 } }] })).toMatch(/methods\[0\]\.stop: unknown field "round"/);
  });

  it('a method no client can take part in stops at once and is left out of the comparisons', async () => {
    // The workload needs 1 GB, the clients have 512 MB; no round limit: without the no-participants
    // rule the run would go on, one empty 1 s round after another, until the 1 h budget.
    const tiny = load({
      ...base,
      stop: { simTime: '1 h' },
      clients: { count: 2, compute: '1 TFLOP/s', memory: '512 MB' },
      methods: ['fedavg'],
      round: { aggregationTime: '1 s' },
    });
    const none = await runScenario(tiny);
    expect(none.summary[0]!.stop_reason).toBe('no-participants');
    expect(none.summary[0]!.rounds).toBe(1);
    expect(none.summary[0]!.dropped_oom).toBe(2);
    const c = compareRuns(tiny.scenario, [none], [3]);
    expect(c.excluded).toEqual(['fedavg']);
    expect(c.atTime).toEqual([]);
    expect(findings(c)[0]).toMatch(/fedavg: no client could take part in any round \(2 of them lack the memory; stop rule: no-participants\); left out of the comparisons/);
  });
});
