/**
 * Stop rules: when a method's run ends. A scenario sets them for every method (`stop:`), a method
 * entry may override any of them (`{ id: fedlora, stop: { simTime: 1 h } }`), and the first rule
 * that fires ends the run; summary.csv records which (`stop_reason`).
 *
 *   stop:
 *     rounds: 500            # at most this many rounds
 *     simTime: 6 h           # budget on the simulated clock: no round starts at or after it
 *     targetTestLoss: 3.6    # stop at the first evaluation at or below it
 *     plateau: { evaluations: 5, minDelta: 0.01 }
 *
 * The older spellings keep working: top-level `rounds` is `stop.rounds`, `maxSimTime` is
 * `stop.simTime`, and `training.targetTestLoss` is the target when `stop` has none.
 *
 * Semantics (docs/fidelity.md, "Comparisons"):
 * - rounds: round r starts only if r <= rounds.
 * - simTime: a round starts only before the budget (a round started before it runs to its end, so
 *   a run may end past the budget by less than one round).
 * - targetTestLoss: the run stops after the first evaluation at or below the target (round 0's
 *   evaluation included: a model already there runs no round).
 * - plateau: Keras's EarlyStopping (keras/src/callbacks/early_stopping.py, mode "min", patience =
 *   `evaluations`, min_delta = `minDelta`): an evaluation improves when loss + minDelta < best so far
 *   (best = the last improving evaluation, starting at the first one); the run stops once
 *   `evaluations` evaluations in a row did not improve.
 * - no-participants: a round in which no client took part because none can (every client `oom` or
 *   `infeasible`: the method's load does not fit anyone), or, with no round limit, a round with
 *   nobody taking part that did not move the clock (it would repeat at the same instant forever).
 * - trace-end: trace-driven losses (training.source: trace) have no loss for the next round.
 * When several rules fire at the same check, the reason is the first of: target, plateau,
 * no-participants, rounds, trace-end, sim-time.
 */
import { z } from 'zod';
import { boundedCount, positive } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import type { FieldProblem } from '../scenario/errors.js';
import type { MethodEntry, Scenario } from '../scenario/schema.js';

export const plateauSchema = z
  .object({
    /** Evaluations in a row without an improvement of at least minDelta (Keras's patience). */
    evaluations: boundedCount(LIMITS.rounds, 'evaluations').describe('Evaluations in a row without improvement that stop the run (Keras EarlyStopping patience).'),
    /** Smallest decrease of the best test loss that counts as an improvement (nats/token). */
    minDelta: z.number().min(0).default(0).describe('An evaluation improves when loss + minDelta < the best so far.'),
  })
  .strict();

/** `stop:` of a scenario or of a method entry (every field optional; a method's fields win). */
export const stopSchema = z
  .object({
    rounds: boundedCount(LIMITS.rounds, 'rounds').optional().describe('At most this many rounds.'),
    simTime: positive('time').optional().describe('Simulated-time budget: no round starts at or after it.'),
    targetTestLoss: z.number().positive().optional().describe('Stop after the first evaluation at or below this test loss (also the target of time_to_target_s).'),
    plateau: plateauSchema.optional().describe('Stop when the test loss stops improving.'),
  })
  .strict();

export type StopSpec = z.output<typeof stopSchema>;

export type StopReason = 'rounds' | 'sim-time' | 'target' | 'plateau' | 'no-participants' | 'trace-end';

/** The rules of one method's run, in SI units. */
export interface StopRules {
  rounds?: number;
  simTimeS?: number;
  targetTestLoss?: number;
  plateau?: { evaluations: number; minDelta: number };
  /** The last round with a loss (trace-driven losses): round lastRound + 1 is not started. */
  lastRound?: number;
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The scenario-wide rules, with the older spellings (`rounds`, `maxSimTime`, `training.targetTestLoss`) folded in. */
export function scenarioStopRules(s: Scenario): StopRules {
  return {
    rounds: s.stop?.rounds ?? s.rounds,
    simTimeS: s.stop?.simTime ?? s.maxSimTime,
    targetTestLoss: s.stop?.targetTestLoss ?? s.training?.targetTestLoss,
    plateau: s.stop?.plateau,
  };
}

/** The rules of method entry `m`: the scenario's, each overridden by the method's own `stop` field. */
export function stopRulesFor(s: Scenario, m: Pick<MethodEntry, 'stop'>): StopRules {
  const own = m.stop;
  const rules: StopRules = {
    ...scenarioStopRules(s),
    ...defined({ rounds: own?.rounds, simTimeS: own?.simTime, targetTestLoss: own?.targetTestLoss, plateau: own?.plateau }),
  };
  return defined(rules) as StopRules;
}

/**
 * Problems with the stop rules of a validated scenario: every method needs a rule that is sure to
 * end its run (rounds or simTime: a target or a plateau may never be reached), the older and newer
 * spellings may not both be given, and a target or plateau needs test losses (a training section).
 */
export function stopProblems(s: Scenario): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (s.rounds !== undefined && s.stop?.rounds !== undefined) {
    problems.push({ path: ['rounds'], message: `the round limit is given twice (rounds: ${s.rounds} and stop.rounds: ${s.stop.rounds}); keep stop.rounds (rounds is the older spelling)` });
  }
  if (s.maxSimTime !== undefined && s.stop?.simTime !== undefined) {
    problems.push({ path: ['maxSimTime'], message: 'the simulated-time budget is given twice (maxSimTime and stop.simTime); keep stop.simTime (maxSimTime is the older spelling)' });
  }
  const unbounded = s.methods.filter((m) => {
    const r = stopRulesFor(s, m);
    return r.rounds === undefined && r.simTimeS === undefined;
  });
  if (unbounded.length > 0) {
    const who =
      unbounded.length === s.methods.length
        ? 'no stop rule is sure to end the runs'
        : `method${unbounded.length > 1 ? 's' : ''} ${unbounded.map((m) => `"${m.label}"`).join(', ')} ${unbounded.length > 1 ? 'have' : 'has'} no stop rule that is sure to end the run`;
    problems.push({
      path: ['stop'],
      message: `${who}: set stop.rounds or stop.simTime (a target test loss or a plateau may never be reached)`,
    });
  }
  if (!s.training) {
    const needLoss = (spec: StopSpec | undefined, path: (string | number)[]) => {
      for (const f of ['targetTestLoss', 'plateau'] as const) {
        if (spec?.[f] !== undefined) {
          problems.push({ path: [...path, f], message: `stop.${f} needs test losses, but the scenario has no training section (timing only): add training or remove it` });
        }
      }
    };
    needLoss(s.stop, ['stop']);
    s.methods.forEach((m, i) => needLoss(m.stop, ['methods', i, 'stop']));
  }
  return problems;
}

/** What the stop evaluator is told about the round that just ended. */
export interface RoundOutcome {
  testLoss: number | null;
  participants: number;
  /** Every client was left out for a reason that does not go away (oom, infeasible). */
  nobodyFits: boolean;
  latencyS: number;
}

export interface StopEvaluator {
  /**
   * Called once per round: before round `round` (1-based) would start at `nowS`, after the
   * previous round's outcome (`undefined` before round 1). The reason to stop, or null.
   */
  beforeRound(round: number, nowS: number, last?: RoundOutcome): StopReason | null;
}

/** A stop evaluator for `rules`; `initialTestLoss` is the evaluation before round 1 (round 0), if any. */
export function createStopEvaluator(rules: StopRules, initialTestLoss?: number | null): StopEvaluator {
  let best = Infinity;
  let wait = 0;
  let reached = false;
  const observe = (loss: number | null | undefined) => {
    if (loss === null || loss === undefined) return;
    if (rules.targetTestLoss !== undefined && loss <= rules.targetTestLoss) reached = true;
    if (best === Infinity) {
      best = loss; // the first evaluation is the reference (Keras starts from +inf: same outcome)
      return;
    }
    if (loss + (rules.plateau?.minDelta ?? 0) < best) {
      best = loss;
      wait = 0;
    } else wait++;
  };
  observe(initialTestLoss);
  return {
    beforeRound(round, nowS, last) {
      if (last) observe(last.testLoss);
      if (reached) return 'target';
      if (rules.plateau && wait >= rules.plateau.evaluations) return 'plateau';
      if (last && last.participants === 0 && (last.nobodyFits || (last.latencyS === 0 && rules.rounds === undefined))) return 'no-participants';
      if (rules.rounds !== undefined && round > rules.rounds) return 'rounds';
      if (rules.lastRound !== undefined && round > rules.lastRound) return 'trace-end';
      if (rules.simTimeS !== undefined && nowS >= rules.simTimeS) return 'sim-time';
      return null;
    },
  };
}
