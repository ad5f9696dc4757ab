/**
 * The size of a run, estimated before anything is simulated or trained, against the limits of
 * src/scenario/limits.ts: a scenario that would hold more client rows in memory, hand the
 * allocator more clients, or train on more tokens than this machine can handle is refused with
 * the estimate and the limit in the message (exit 2) instead of running for hours or aborting.
 */
import type { FieldProblem } from './errors.js';
import { LIMITS } from './limits.js';
import type { Scenario } from './schema.js';
import { proxyParamCount } from '../training/model/params.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** Problems of the run's size; `clients` is the population size when known. */
export function workChecks(s: Partial<Scenario>, clients: number | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const methods = s.methods ?? [];
  if (clients !== undefined && s.rounds !== undefined && methods.length > 0 && s.round) {
    const async = s.round.mode === 'async';
    const perRound = async ? s.round.buffer : clients;
    const rows = methods.length * s.rounds * perRound;
    if (rows > LIMITS.clientRows) {
      const how = async ? `methods x rounds x round.buffer = ${methods.length} x ${n(s.rounds)} x ${n(perRound)}` : `methods x rounds x clients = ${methods.length} x ${n(s.rounds)} x ${n(clients)}`;
      problems.push({
        path: async && s.round.buffer > clients ? ['round', 'buffer'] : ['rounds'],
        message: `the run would record ${how} = ${n(rows)} client rounds, more than the limit of ${n(LIMITS.clientRows)} (src/scenario/limits.ts: each is a row of clients.csv held in memory); use fewer rounds, clients or methods, or split the study into runs`,
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
  if (t) {
    const params = proxyParamCount(t.arch);
    if (params > LIMITS.proxyParams) {
      problems.push({ path: ['training', 'model'], message: `the trained proxy has ${n(params)} parameters, more than the limit of ${n(LIMITS.proxyParams)} (src/scenario/limits.ts: tfjs keeps weights, gradients and Adam state in memory)` });
    }
    if (clients !== undefined && s.rounds !== undefined && methods.length > 0) {
      const perStep = t.batchSize * t.seqLen;
      const local = methods.length * s.rounds * clients * t.localSteps * perStep;
      const evals = methods.length * (Math.floor(s.rounds / t.evalEvery) + 1) * t.evalBatches * perStep;
      const tokens = local + t.pretrainSteps * perStep + evals;
      if (tokens > LIMITS.trainingTokens) {
        problems.push({
          path: ['training'],
          message:
            `real training would process about ${tokens.toExponential(2)} tokens (methods x rounds x clients x localSteps x batchSize x seqLen = ` +
            `${methods.length} x ${n(s.rounds)} x ${n(clients)} x ${n(t.localSteps)} x ${n(t.batchSize)} x ${n(t.seqLen)}, plus pretraining and evaluation), ` +
            `more than the limit of ${LIMITS.trainingTokens.toExponential(0)} (src/scenario/limits.ts: about 40 h at 7k tokens/s); ` +
            'use fewer rounds, clients or local steps, or drop `training:` for a timing-only run',
        });
      }
    }
  }
  return problems;
}
