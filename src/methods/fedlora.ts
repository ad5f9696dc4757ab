/**
 * Federated LoRA (FedIT, Zhang et al. 2024, "Towards Building the Federated GPT: Federated
 * Instruction Tuning"; LoRA: Hu et al. 2021). Frozen base; rank-r adapters ΔW = (alpha/r)·B·A with
 * A: r × in, B: out × r on the chosen projections of every layer (default q and v, as in Hu et
 * al.). Clients download the global A and B (the base model is fetched once, before training),
 * train both, and upload both; the server averages A and B separately (FedAvg).
 *   P_lora = L · Σ_targets r·(in + out)
 *   flops  = steps·tokens·(fwd + 2·P_lora + bwd without base weight grads + 4·P_lora)
 *   memory = N·weight bytes + P_lora·(value + grad + master + optimizer) + activations
 *   up = down = P_lora · bytes on the wire
 */
import { z } from 'zod';
import type { ClientRoundBase } from '../training/federated/types.js';
import { PROJECTION_NAMES, type ProjectionName } from '../costs/params.js';
import { trainingCost } from '../costs/training.js';
import { loraParams, loraTargets, wireBytes } from './common.js';
import type { Method } from './types.js';
import { localArgs, mean, tfjsProjections, weightedAverage } from '../training/federated/common.js';
import { arrayBytes, type TrainingRule } from '../training/federated/types.js';
import { initLora, type Lora } from '../training/model/lora.js';
import { cloneWeights, type Weights } from '../training/model/params.js';
import { trainSteps, type TokenBatch } from '../training/train/index.js';

import { boundedCount } from '../scenario/fields.js';
import { LIMITS } from '../scenario/limits.js';

export const projectionName = z.enum(PROJECTION_NAMES as [ProjectionName, ...ProjectionName[]]);

export const fedloraParams = z
  .object({
    rank: boundedCount(LIMITS.loraRank, 'ranks').default(8).describe('LoRA rank r of every adapter.'),
    targets: z.array(projectionName).min(1).default(['q', 'v']).describe(`Adapted projections (${PROJECTION_NAMES.join(', ')}).`),
    /** LoRA scaling numerator (training side only; no effect on the load). */
    alpha: z.number().positive().default(16),
  })
  .strict();
export type FedLoraParams = z.output<typeof fedloraParams>;

/** What a FedLoRA client gets: the frozen base (sent once in practice), the global adapters, its batches. */
export interface FedLoraConfig extends ClientRoundBase {
  base: Weights;
  lora: Lora;
}

/**
 * FedIT-style federated LoRA on the tfjs proxy (Zhang et al. 2024; LoRA: Hu et al. 2021).
 * init: rank-r adapters on the params' targets (cost names q,k,v,o,up,down -> tfjs wq,wk,wv,wo,
 * w1,w2; see tfjsProjection), A random, B = 0, so round 1 starts exactly at the base model.
 * Client: base frozen, trains A and B (Adam/SGD), uploads both in fp32:
 *   upload = 4 B × L · Σ_targets r·(in + out), the cost model's P_lora · B_wire with fp32.
 * Server: A_{t+1} = Σ_k w_k A_k / Σ w_k and B_{t+1} = Σ_k w_k B_k / Σ w_k separately (FedIT).
 * Note: the merged update of the averages, B̄·Ā, is not the average of the clients' products
 * Σ_k w_k B_k A_k (mean of products != product of means); FedIT accepts this inexactness, and
 * FLoRA (Wang et al. 2024) / FFA-LoRA (Sun et al. 2024) are the literature's fixes.
 */
export const fedloraTraining: TrainingRule<FedLoraParams, FedLoraConfig, Weights> = {
  init(base, ctx, params) {
    const lora = initLora(ctx.arch, { rank: params.rank, alpha: params.alpha, targets: tfjsProjections(ctx.arch, params.targets) }, ctx.seed);
    return { weights: cloneWeights(base), lora };
  },
  configure(global, round, plan, ctx) {
    if (!global.lora) throw new Error('fedlora: the global model has no adapters');
    return { client: plan.client, seed: ctx.seed, base: global.weights, lora: global.lora, batches: ctx.batches(plan.client, round), local: localArgs(ctx.local) };
  },
  clientWork(config, _params, arch) {
    const r = trainSteps({ arch, weights: config.base, trainable: 'lora', lora: config.lora, batches: config.batches, seed: config.seed, ...config.local });
    const adapters = r.lora!.weights;
    return { client: config.client, update: adapters, uploadBytes: arrayBytes(Object.values(adapters)), trainLoss: mean(r.losses) };
  },
  aggregate(global, _round, updates) {
    const lora = global.lora!;
    const weights = weightedAverage(updates.map((u) => ({ weight: u.weight, values: u.update.update })), Object.keys(lora.weights));
    return { ...global, lora: { rank: lora.rank, alpha: lora.alpha, weights } };
  },
};

export const fedlora: Method<FedLoraParams> = {
  id: 'fedlora',
  title: 'Federated LoRA / FedIT (Hu et al. 2021; Zhang et al. 2024)',
  paramsSchema: fedloraParams,
  formula: 'P = L·Σ r·(in+out); flops = steps·tokens·(fwd + bwd w/o base weight grads) ; up = down = P·B_wire',
  load({ arch, work }, params) {
    const { a, b } = loraParams(arch, loraTargets(arch, params.targets), params.rank);
    const adapters = a + b;
    const cost = trainingCost(arch, work, {
      trainedBaseParams: 0,
      trainedBaseMatmulParams: 0,
      adapterParams: adapters,
      trainedAdapterParams: adapters,
      backpropFromLayer: 0,
    });
    return {
      flops: cost.flops,
      memoryBytes: cost.memoryBytes,
      uploadBytes: adapters * wireBytes(work),
      downloadBytes: adapters * wireBytes(work),
      trainedParams: adapters,
      memoryTrafficBytes: cost.memoryTrafficBytes,
    };
  },
  training: fedloraTraining,
};
