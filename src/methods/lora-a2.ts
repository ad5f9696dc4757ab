/**
 * LoRA-A2 (Koo et al. 2024, "Towards Robust and Efficient Federated Low-Rank Adaptation with
 * Heterogeneous Clients", ACL 2025). Two mechanisms:
 * - Alternating freeze: only B or only A is trained in a round, so FedAvg of the trained factor is
 *   exact. LoRA initialises B = 0, so B is trained first: the paper freezes A in odd rounds
 *   (counting from 1), i.e. our round 0, 2, 4, ... train B and rounds 1, 3, ... train A.
 * - Adaptive rank selection: each client trains all r ranks of the trained factor, scores each
 *   rank by importance and uploads only its top `rankBudget` ranks per module, with their indices.
 *   Upload per module: rankBudget · (out for B, in for A) values + rankBudget indices.
 * Download: the factor trained in the previous round (aggregated, full rank r); round 0
 * downloads both (initialisation).
 *   flops  = steps·tokens·(fwd + bwd w/o base weight grads + adapter input grads + 2·P_trained)
 *   memory = N·weight bytes + P_lora·value bytes + P_trained·(grad + master + optimizer) + act
 *   up     = L·Σ_targets min(budget, r)·dim_trained·B_wire + L·|targets|·min(budget, r)·4 B
 */
import { z } from 'zod';
import { trainingCost } from '../costs/training.js';
import { arrayBytes, type LocalTraining, type TrainingRule } from '../training/federated/types.js';
import { initLora, loraTargets as adaptedParams, type Lora } from '../training/model/lora.js';
import type { Weights } from '../training/model/params.js';
import { mean, proxyProjection, SenderAverage } from '../training/rules/common.js';
import { rankImportance, rankPositions, topRanks } from '../training/rules/rank-importance.js';
import { trainSteps, type TokenBatch } from '../training/train/index.js';
import { INDEX_BYTES, loraParams, loraTargets, wireBytes } from './common.js';
import { projectionName } from './fedlora.js';
import { boundedCount } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';
import type { Method } from './types.js';

export const loraA2Params = z
  .object({
    rank: boundedCount(LIMITS.loraRank, 'ranks').default(8),
    /** Ranks each client uploads per module (selected by importance). */
    rankBudget: boundedCount(LIMITS.loraRank, 'ranks').default(2),
    targets: z.array(projectionName).min(1).default(['q', 'v']),
    alpha: z.number().positive().default(16),
  })
  .strict();
export type LoraA2Params = z.output<typeof loraA2Params>;

/** The factor trained in `round` (from 0): B in even rounds, A in odd rounds. */
export const loraA2TrainedFactor = (round: number): 'A' | 'B' => (round % 2 === 0 ? 'B' : 'A');

/** A LoRA-A2 client's round: the frozen base, the global adapters, the factor to train. */
export interface LoraA2Config {
  client: number;
  round: number;
  factor: 'A' | 'B';
  weights: Weights;
  lora: Lora;
  batches: TokenBatch[];
  local: LocalTraining;
  seed: number;
}

/** One module's upload: the kept ranks (int32) and their values of the trained factor. */
export interface LoraA2ModuleUpload {
  ranks: Int32Array;
  /** B: out × budget (row i holds B[i, ranks]); A: budget × in (the rows A[ranks, :]). */
  values: Float32Array;
}

export interface LoraA2Update {
  factor: 'A' | 'B';
  /** Keyed by the adapted parameter, e.g. `l0.attn.wq`. */
  modules: Record<string, LoraA2ModuleUpload>;
}

/**
 * Training side. init: LoRA on `targets` of every layer (A random, B = 0, seed = run seed).
 * Client: trains only the round's factor (A frozen in even rounds, B in odd ones) for
 * `local.steps` steps, scores each rank of each module by the norm of its contribution to the
 * adapter change (rank-importance.ts) and uploads its top `rankBudget` ranks per module with
 * their indices. Server: each uploaded rank of the factor becomes the weighted mean over the
 * clients that sent that rank; ranks nobody sent, and the frozen factor, keep their values.
 */
export const loraA2Training: TrainingRule<LoraA2Params, LoraA2Config, LoraA2Update> = {
  init(base, ctx, params) {
    const targets = [...new Set(params.targets)].map((t) => proxyProjection(ctx.arch, t));
    return { weights: base, lora: initLora(ctx.arch, { rank: params.rank, alpha: params.alpha, targets }, ctx.seed) };
  },
  configure(global, round, plan, ctx) {
    if (!global.lora) throw new Error('lora-a2: the global model has no adapters (init not called?)');
    return {
      client: plan.client,
      round,
      factor: loraA2TrainedFactor(round),
      weights: global.weights,
      lora: global.lora,
      batches: ctx.batches(plan.client, round),
      local: ctx.local,
      seed: ctx.seed,
    };
  },
  clientWork(config, params, arch) {
    const { factor, lora } = config;
    const r = trainSteps({
      arch,
      weights: config.weights,
      trainable: factor === 'B' ? 'lora-B' : 'lora-A',
      lora,
      batches: config.batches,
      lr: config.local.lr,
      optimizer: config.local.optimizer,
      clipNorm: config.local.clipNorm,
      seed: config.seed,
    });
    const trained = r.lora!.weights;
    const modules: Record<string, LoraA2ModuleUpload> = {};
    for (const name of adaptedParams(lora)) {
      const before = { A: lora.weights[`${name}.A`]!, B: lora.weights[`${name}.B`]! };
      const after = { A: trained[`${name}.A`]!, B: trained[`${name}.B`]! };
      const ranks = topRanks(rankImportance(factor, lora.rank, before, after), params.rankBudget);
      const values = after[factor];
      const positions = rankPositions(factor, ranks, lora.rank, values.length);
      modules[name] = { ranks, values: Float32Array.from(positions, (p) => values[p]!) };
    }
    const sent = Object.values(modules).flatMap((m) => [m.ranks, m.values]);
    return { client: config.client, update: { factor, modules }, uploadBytes: arrayBytes(sent), trainLoss: mean(r.losses) };
  },
  aggregate(global, _round, updates) {
    const lora = global.lora!;
    const avg = new SenderAverage();
    for (const { weight, update } of updates) {
      const { factor, modules } = update.update;
      for (const [name, m] of Object.entries(modules)) {
        const key = `${name}.${factor}`;
        const length = lora.weights[key]!.length;
        avg.add(key, length, m.values, weight, rankPositions(factor, m.ranks, lora.rank, length));
      }
    }
    const weights: Weights = { ...lora.weights };
    for (const key of avg.names()) weights[key] = avg.apply(key, lora.weights[key]!);
    return { ...global, lora: { ...lora, weights } };
  },
};

export const loraA2: Method<LoraA2Params> = {
  id: 'lora-a2',
  title: 'LoRA-A2: alternating freeze + adaptive rank selection (Koo et al. 2024)',
  paramsSchema: loraA2Params,
  formula: 'train B (even rounds) or A (odd); up = top-budget ranks of the trained factor + indices; down = last round\'s factor',
  load({ arch, work, round }, params) {
    const targets = loraTargets(arch, params.targets);
    const full = loraParams(arch, targets, params.rank);
    const factor = loraA2TrainedFactor(round);
    const trained = factor === 'B' ? full.b : full.a;
    const budget = Math.min(params.rankBudget, params.rank);
    const sent = loraParams(arch, targets, budget);
    const sentValues = factor === 'B' ? sent.b : sent.a;
    const sentIndices = arch.layers * targets.length * budget;
    const previous = round === 0 ? full.a + full.b : loraA2TrainedFactor(round - 1) === 'B' ? full.b : full.a;
    const cost = trainingCost(arch, work, {
      trainedBaseParams: 0,
      trainedBaseMatmulParams: 0,
      adapterParams: full.a + full.b,
      trainedAdapterParams: trained,
      backpropFromLayer: 0,
    });
    return {
      flops: cost.flops,
      memoryBytes: cost.memoryBytes,
      uploadBytes: sentValues * wireBytes(work) + sentIndices * INDEX_BYTES,
      downloadBytes: previous * wireBytes(work),
      trainedParams: trained,
    };
  },
  training: loraA2Training,
};
