/**
 * The size of a run, estimated before anything is simulated or trained, against the limits of
 * src/scenario/limits.ts: a scenario that would hold more client rows in memory, hand the
 * allocator more clients, or train on more tokens than this machine can handle is refused with
 * the estimate and the limit in the message (exit 2) instead of running for hours or aborting.
 * A method whose only sure stop rule is a simulated-time budget has no round count to estimate:
 * its run is bounded while it runs (src/simulation/run.ts, the same limits).
 */
import type { FieldProblem } from './errors.js';
import { LIMITS } from './limits.js';
import type { MethodEntry, Scenario } from './schema.js';
import { proxyParamCount } from '../training/model/params.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** The round limit of method `m` (its own `stop.rounds`, the scenario's `stop.rounds` or `rounds`), if any. */
function roundLimit(s: Partial<Scenario>, m: Pick<MethodEntry, 'stop'>): number | undefined {
  return m.stop?.rounds ?? s.stop?.rounds ?? s.rounds;
}

/** Problems of the run's size; `clients` is the population size when known. */
export function workChecks(s: Partial<Scenario>, clients: number | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const methods = s.methods ?? [];
  const replications = s.replications ?? 1;
  const limits = methods.map((m) => roundLimit(s, m)).filter((r): r is number => r !== undefined);
  // Rounds over all methods with a round limit (the others are bounded while running).
  const rounds = limits.reduce((a, r) => a + r, 0);
  const roundsText = limits.length === 1 ? n(limits[0]!) : `(${limits.map(n).join(' + ')})`;
  const reps = replications > 1 ? `replications x ` : '';
  const repsValue = replications > 1 ? `${n(replications)} x ` : '';
  if (clients !== undefined && limits.length > 0 && s.round) {
    const async = s.round.mode === 'async';
    const perRound = async ? s.round.buffer : clients;
    const rows = replications * rounds * perRound;
    if (rows > LIMITS.clientRows) {
      const how = async
        ? `${reps}rounds of every method x round.buffer = ${repsValue}${roundsText} x ${n(perRound)}`
        : `${reps}rounds of every method x clients = ${repsValue}${roundsText} x ${n(clients)}`;
      problems.push({
        path: async && s.round.buffer > clients ? ['round', 'buffer'] : s.stop?.rounds !== undefined ? ['stop', 'rounds'] : s.rounds !== undefined ? ['rounds'] : ['methods'],
        message: `the run would record ${how} = ${n(rows)} client rounds, more than the limit of ${n(LIMITS.clientRows)} (src/scenario/limits.ts: each is a row of clients.csv held in memory); use fewer rounds, clients, methods or replications, or split the study into runs`,
      });
    }
  }
  if (clients !== undefined) {
    for (const [i, m] of methods.entries()) {
      if (m.id !== 'jcpba') continue;
      const solver = (m.params as { solver?: string }).solver;
      if (clients > LIMITS.solverClients) {
        problems.push({ path: ['methods', i], message: `jcpba solves an allocation over every client each round; at most ${n(LIMITS.solverClients)} clients (src/scenario/limits.ts), found ${n(clients)}` });
      } else if (solver === 'bcd' && clients > LIMITS.bcdLpClients) {
        problems.push({
          path: ['methods', i, 'solver'],
          message: `bcd solves a dense LP of every client in its pruning block: at most ${n(LIMITS.bcdLpClients)} clients (src/scenario/limits.ts), found ${n(clients)}; use solver: exact`,
        });
      }
    }
  }
  const t = s.training;
  if (t && t.source === 'proxy') {
    const params = proxyParamCount(t.arch);
    if (params > LIMITS.proxyParams) {
      problems.push({ path: ['training', 'model'], message: `the trained proxy has ${n(params)} parameters, more than the limit of ${n(LIMITS.proxyParams)} (src/scenario/limits.ts: tfjs keeps weights, gradients and Adam state in memory)` });
    }
    if (clients !== undefined && limits.length > 0) {
      const perStep = t.batchSize * t.seqLen;
      const local = replications * rounds * clients * t.localSteps * perStep;
      const evals = replications * limits.reduce((a, r) => a + Math.floor(r / t.evalEvery) + 1, 0) * t.evalBatches * perStep;
      const tokens = local + replications * t.pretrainSteps * perStep + evals;
      if (tokens > LIMITS.trainingTokens) {
        problems.push({
          path: ['training'],
          message:
            `real training would process about ${tokens.toExponential(2)} tokens (${reps}rounds of every method x clients x localSteps x batchSize x seqLen = ` +
            `${repsValue}${roundsText} x ${n(clients)} x ${n(t.localSteps)} x ${n(t.batchSize)} x ${n(t.seqLen)}, plus pretraining and evaluation), ` +
            `more than the limit of ${LIMITS.trainingTokens.toExponential(0)} (src/scenario/limits.ts: about 40 h at 7k tokens/s); ` +
            'use fewer rounds, clients or local steps, or drop `training:` for a timing-only run',
        });
      }
    }
  }
  return problems;
}
