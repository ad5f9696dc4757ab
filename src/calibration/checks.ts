/** Scenario checks for `roundsModel: calibrated` (called by src/scenario/load.ts's cross-field checks). */
import type { FieldProblem } from '../scenario/errors.js';
import type { Scenario } from '../scenario/schema.js';
import { stopRulesFor } from '../simulation/stop.js';

export function calibrationProblems(s: Scenario): FieldProblem[] {
  const problems: FieldProblem[] = [];
  s.methods.forEach((m, i) => {
    if (m.id !== 'jcpba' || (m.params as { roundsModel?: unknown }).roundsModel !== 'calibrated') return;
    const path = ['methods', i, 'roundsModel'];
    if (s.training?.source !== 'proxy') {
      problems.push({ path, message: `roundsModel: calibrated trains the tfjs proxy, so it needs a training section with source proxy (found ${s.training ? 'a loss trace' : 'none'})` });
    }
    if (stopRulesFor(s, m).targetTestLoss === undefined) {
      problems.push({ path, message: 'roundsModel: calibrated measures rounds to a target test loss: set stop.targetTestLoss (or training.targetTestLoss)' });
    }
  });
  return problems;
}
