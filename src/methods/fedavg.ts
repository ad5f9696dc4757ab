/**
 * FedAvg with full fine-tuning (McMahan et al. 2017, "Communication-Efficient Learning of Deep
 * Networks from Decentralized Data"). Each selected client downloads the whole model, runs
 * `localSteps` steps of full fine-tuning and uploads the whole model (or its delta, same size).
 *   flops  = steps · b·s · (F_fwd + F_bwd(all weights) [+ F_recompute])  ≈ 6·N·tokens
 *   memory = N·(weight + grad + master + optimizer bytes) + activations   (16 B/param with Adam)
 *   up = down = N · bytes on the wire
 */
import { z } from 'zod';
import type { ClientRoundBase } from '../training/federated/types.js';
import { paramCount } from '../costs/params.js';
import { trainingCost } from '../costs/training.js';
import { fullFineTuningPlan, wireBytes } from './common.js';
import type { Method } from './types.js';
import { localArgs, mean, weightedAverage } from '../training/federated/common.js';
import { arrayBytes, type TrainingRule } from '../training/federated/types.js';
import { cloneWeights, paramNames, type Weights } from '../training/model/params.js';
import { trainSteps, type TokenBatch } from '../training/train/index.js';

export const fedavgParams = z.object({}).strict();
export type FedAvgParams = z.output<typeof fedavgParams>;

/** What a FedAvg client gets: the global weights and its round's batches. */
export interface FedAvgConfig extends ClientRoundBase {
  weights: Weights;
}

/**
 * FedAvg on the tfjs proxy (McMahan et al. 2017, Algorithm 1): every client starts from the
 * global weights w_t, runs the round's local steps on all parameters, and uploads its full
 * weights w_{t+1}^k in fp32; the server sets w_{t+1} = Σ_k n_k w_{t+1}^k / Σ_k n_k with n_k the
 * aggregation weights. Upload = 4 B × N values, the cost model's N · B_wire with fp32 on the wire.
 */
export const fedavgTraining: TrainingRule<FedAvgParams, FedAvgConfig, Weights> = {
  init(base) {
    return { weights: cloneWeights(base) };
  },
  configure(global, round, plan, ctx) {
    return { client: plan.client, seed: ctx.seed, weights: global.weights, batches: ctx.batches(plan.client, round), local: localArgs(ctx.local) };
  },
  clientWork(config, _params, arch) {
    const r = trainSteps({ arch, weights: config.weights, trainable: 'all', batches: config.batches, seed: config.seed, ...config.local });
    return { client: config.client, update: r.weights, uploadBytes: arrayBytes(Object.values(r.weights)), trainLoss: mean(r.losses) };
  },
  aggregate(global, _round, updates, ctx) {
    const names = paramNames(ctx.arch);
    return { ...global, weights: weightedAverage(updates.map((u) => ({ weight: u.weight, values: u.update.update })), names) };
  },
};

export const fedavg: Method<FedAvgParams> = {
  id: 'fedavg',
  title: 'FedAvg, full fine-tuning (McMahan et al. 2017)',
  paramsSchema: fedavgParams,
  formula: 'flops = steps·tokens·(fwd + 2x fwd); mem = N·16 B (Adam, mixed) + act; up = down = N·B_wire',
  load({ arch, work }) {
    const n = paramCount(arch);
    const cost = trainingCost(arch, work, fullFineTuningPlan(arch));
    return {
      flops: cost.flops,
      memoryBytes: cost.memoryBytes,
      uploadBytes: n * wireBytes(work),
      downloadBytes: n * wireBytes(work),
      trainedParams: n,
      memoryTrafficBytes: cost.memoryTrafficBytes,
    };
  },
  training: fedavgTraining,
};
