/**
 * A minimal in-process federated loop for a `TrainingRule` (tests and small checks of the
 * rules in src/methods): every client takes part in every round, updates arrive in client order
 * with weight 1, clientWork runs in this thread. The simulation's trainer (src/training/federated)
 * is the real loop; this one only exercises the rule's contract.
 */
import type { Architecture } from '../../costs/architecture.js';
import { buildCorpus, sampleBatch, type TokenCorpus } from '../data/corpus.js';
import { splitTest } from '../data/partition.js';
import { RandomStream } from '../../random/index.js';
import type { ClientUpdate, FlContext, GlobalModel, LocalTraining, TrainingRule } from '../federated/types.js';
import { mergeLora } from '../model/lora.js';
import { initWeights, type Weights } from '../model/params.js';
import { lossOn, type TokenBatch } from '../train/index.js';

/** A context whose batches are random windows of `corpus`, one named stream per (client, round). */
export function corpusContext(arch: Architecture, corpus: TokenCorpus, clients: number, local: LocalTraining, seed: number): FlContext {
  return {
    arch,
    seed,
    clients,
    local,
    batches(client, round, count = local.steps) {
      const rs = RandomStream.of(seed, 'batches', client, round);
      return Array.from({ length: count }, () => ({
        tokens: sampleBatch(corpus, local.batchSize, local.seqLen + 1, rs),
        batch: local.batchSize,
        seqLen: local.seqLen,
      }));
    },
  };
}

/** Mean loss (nats/token) of the global model (adapters merged, masks applied) on `batches`. */
export function globalLoss(arch: Architecture, global: GlobalModel, batches: readonly TokenBatch[]): number {
  const weights: Weights = global.lora ? mergeLora(arch, global.weights, global.lora) : global.weights;
  let s = 0;
  for (const b of batches) s += lossOn(arch, weights, b.tokens, b.batch, b.seqLen, { masks: global.masks });
  return s / batches.length;
}

export interface RoundRecord<U> {
  round: number;
  updates: ClientUpdate<U>[];
}

/**
 * Run `rounds` rounds of `rule` from `base`; `onRound` sees the global model after each round.
 * `schedule: 'sequential'` runs the clients of a round one after another, each configured from the
 * model after the previous one's update (as the simulation's trainer does for such methods).
 */
export function runInProcess<P, C, U, S>(
  rule: TrainingRule<P, C, U, S>,
  params: P,
  ctx: FlContext,
  base: Weights,
  rounds: number,
  onRound?: (round: number, global: GlobalModel<S>, updates: ClientUpdate<U>[], before: GlobalModel<S>) => void,
  schedule: 'parallel' | 'sequential' = 'parallel',
): { global: GlobalModel<S>; history: RoundRecord<U>[] } {
  let global = rule.init(base, ctx, params);
  const history: RoundRecord<U>[] = [];
  for (let round = 0; round < rounds; round++) {
    const updates: ClientUpdate<U>[] = [];
    const before = global;
    for (let client = 0; client < ctx.clients; client++) {
      const config = rule.configure(global, round, { client }, ctx, params);
      const update = rule.clientWork(config, params, ctx.arch);
      updates.push(update);
      if (schedule === 'sequential') global = rule.aggregate(global, round, [{ weight: 1, update }], ctx, params);
    }
    if (schedule === 'parallel') global = rule.aggregate(global, round, updates.map((update) => ({ weight: 1, update })), ctx, params);
    history.push({ round, updates });
    onRound?.(round, global, updates, before);
  }
  return { global, history };
}

/**
 * A held-out split of `texts` for the "does this method learn" checks: a random quarter of the
 * documents (`splitTest`, seed `seed`), minus any whose text also occurs among the training
 * documents, so the held-out text is disjoint from every client's data.
 */
export function heldOutSplit(texts: readonly string[], fraction = 0.25, seed = 999): { train: string[]; heldOut: string[] } {
  const { train, test } = splitTest(texts.length, fraction, RandomStream.of(seed, 'held-out'));
  const trainTexts = train.map((i) => texts[i]!);
  const seen = new Set(trainTexts);
  const heldOut = test.map((i) => texts[i]!).filter((t) => !seen.has(t));
  if (heldOut.length === 0) throw new Error('heldOutSplit: no held-out document is distinct from the training documents');
  return { train: trainTexts, heldOut };
}

/**
 * Held-out loss before and after `rounds` rounds of `rule` with 3 clients, starting from
 * `initWeights(arch, 1)`: the clients train on the training documents of `heldOutSplit(texts)`
 * (client batches from seed 11) and the loss is measured on 4 batches of the held-out documents
 * (seed 999), which no client ever sees. The "does this method learn" check every rule's test
 * makes; it also returns the split so the test can assert the disjointness.
 */
export function heldOutLossDrop<P, C, U, S>(
  rule: TrainingRule<P, C, U, S>,
  params: P,
  arch: Architecture,
  texts: readonly string[],
  local: LocalTraining,
  rounds: number,
  schedule: 'parallel' | 'sequential' = 'parallel',
): { before: number; after: number; train: string[]; heldOut: string[] } {
  const { train, heldOut } = heldOutSplit(texts);
  const ctx = corpusContext(arch, buildCorpus(train), 3, local, 11);
  const held = corpusContext(arch, buildCorpus(heldOut), 1, local, 999).batches(0, 0, 4);
  const base = initWeights(arch, 1);
  const before = globalLoss(arch, { weights: base }, held);
  const { global } = runInProcess(rule, params, ctx, base, rounds, undefined, schedule);
  return { before, after: globalLoss(arch, global, held), train, heldOut };
}
