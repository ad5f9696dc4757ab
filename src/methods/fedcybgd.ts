/**
 * FedCyBGD (Wang et al. 2024, "Save It All: Enabling Full Parameter Tuning for Federated Large
 * Language Models via Cycle Block Gradient Descent", arXiv 2406.11187), as the official code runs
 * it (github.com/L3030/FedCyBGD, commit 3b41269b, causal_llms/src/llmtuner/tuner/sft/workflow.py,
 * `run_fl_sft`, switch_mode 'ascending'):
 * - the blocks are the decoder layers (block_prefix.py: `model.layers.<i>.` only; embeddings and
 *   head frozen) and client i always trains block i mod L (`client2block[cid] = cid % block_num`);
 * - clients train one after another within a cycle (`for i in range(num_clients)`): client i
 *   starts from the model with the latest version of every block updated so far
 *   (`update_global(client_model, block_results, part=compress)`), trains, and its block becomes
 *   the latest (`block_results[...] = get_block_param(...)`); so a round's critical path is the
 *   sum over the cycle's clients of download, compute and upload (`schedule: 'sequential'`);
 * - the optimiser and scheduler state is saved after each client and loaded by the next
 *   (`_save_optimizer_and_scheduler` / `myckp`: "to stimulate cycle FL environment");
 * - the download is the blocks updated since the client last held the model, of which a random
 *   ceil(part·count) are sent (`update_global`: `random.sample(up_block, ceil(len(up_block)*part))`,
 *   the paper's download compression; `downloadCompression` = part, default 1 = none). Clients
 *   hold the pre-trained model before the first round (as for the LoRA methods).
 * Backward stops at block j: layers below it run forward only and store no activations;
 * gradients, master copy and optimizer state exist only for block j.
 *   flops  = steps·tokens·(fwd + input grads of layers >= j + head + 2·matmul(block))
 *   memory = N·weight bytes + P_block·(grad + master + optimizer) + activations of L - j layers
 *   up     = P_block·B_wire (LLaMA-2-7B: 202,383,360 values)
 *   down   = ceil(part·changed)·P_block·B_wire, changed = distinct blocks trained since the
 *            client last held the model (`fedcybgdChangedBlocks`)
 */
import { z } from 'zod';
import type { Architecture } from '../costs/architecture.js';
import { layerMatmulParams, layerParams } from '../costs/params.js';
import { trainingCost } from '../costs/training.js';
import { fraction } from '../scenario/fields.js';
import { arrayBytes, type LocalTraining, type TrainingRule } from '../training/federated/types.js';
import { blockOf, paramNames, type Weights } from '../training/model/params.js';
import { mean, SenderAverage } from '../training/rules/common.js';
import { trainSteps, type AdamState, type TokenBatch } from '../training/train/index.js';
import { wireBytes } from './common.js';
import type { Method } from './types.js';

export const fedcybgdParams = z
  .object({
    /** Fraction of the changed blocks sent in a download (official `compress` part; 1 = all). */
    downloadCompression: fraction().refine((v) => v > 0, 'downloadCompression must be > 0').default(1),
    /** Optimiser state: `carried` from client to client (official loop) or `fresh` for every client. */
    optimizerState: z.enum(['carried', 'fresh']).default('carried'),
  })
  .strict();
export type FedCyBGDParams = z.output<typeof fedcybgdParams>;

/** The layer client `client` trains: client mod L (fixed for the whole run). */
export const fedcybgdBlock = (client: number, layers: number): number => ((client % layers) + layers) % layers;

/**
 * Distinct blocks trained since `client` last held the model, from the participants of each
 * round so far in schedule order (`history`, the current round last): the blocks of everyone
 * after the client's previous turn and before its current one, capped at L. A client that has
 * not trained yet holds the pre-trained model, so every block trained before it counts.
 */
export function fedcybgdChangedBlocks(client: number, layers: number, history: readonly (readonly number[])[]): number {
  const blocks = new Set<number>();
  for (let r = history.length - 1; r >= 0; r--) {
    const order = history[r]!;
    let end = order.length;
    if (r === history.length - 1) {
      const at = order.indexOf(client);
      if (at >= 0) end = at;
    }
    for (let i = end - 1; i >= 0; i--) {
      if (order[i] === client) return blocks.size;
      blocks.add(fedcybgdBlock(order[i]!, layers));
      if (blocks.size >= layers) return layers;
    }
  }
  return blocks.size;
}

/** The history the load assumes without one: clients 0..clients-1 in every round up to `round`. */
function defaultHistory(round: number, clients: number): number[][] {
  const order = Array.from({ length: clients }, (_, k) => k);
  return round === 0 ? [order] : [order, order];
}

/** The proxy parameters of decoder layer `layer` (blockOf = layer + 1), in canonical order. */
export function fedcybgdBlockParams(arch: Architecture, layer: number): string[] {
  return paramNames(arch).filter((n) => blockOf(n, arch) === layer + 1);
}

/** Server-side relay of the optimiser state between consecutive clients. */
export interface FedCyBGDState {
  optimizer?: AdamState;
}

/** What a FedCyBGD client gets: the current model (the download), its layer, the carried state. */
export interface FedCyBGDConfig {
  client: number;
  round: number;
  /** Decoder layer j = client mod L this client trains. */
  layer: number;
  weights: Weights;
  batches: TokenBatch[];
  local: LocalTraining;
  seed: number;
  /** Adam state left by the previous client (optimizerState 'carried'). */
  optimizer?: AdamState;
}

/** The upload: the trained layer's values (every tensor of the layer, dense). */
export interface FedCyBGDUpdate {
  layer: number;
  values: Weights;
  /** The optimiser state handed to the next client (not counted as uploaded: see the module comment). */
  optimizer?: AdamState;
}

/**
 * Training side, run sequentially by the simulation (`schedule: 'sequential'`): the client starts
 * from the model the previous client left, trains layer j = client mod L only for `local.steps`
 * steps (Adam moments carried from the previous client, position by position: every layer has
 * the same tensor shapes) and uploads the layer; aggregating a single update replaces the
 * layer. When several updates are aggregated at once (a parallel harness), a layer becomes the
 * weighted mean of the clients that trained it. The download compression is not emulated on the
 * proxy: clients start from the latest blocks (the cost model counts the compressed download).
 */
export const fedcybgdTraining: TrainingRule<FedCyBGDParams, FedCyBGDConfig, FedCyBGDUpdate, FedCyBGDState> = {
  init(base) {
    return { weights: base, state: {} };
  },
  configure(global, round, plan, ctx, params) {
    const optimizer = params.optimizerState === 'carried' ? global.state?.optimizer : undefined;
    return {
      client: plan.client,
      round,
      layer: fedcybgdBlock(plan.client, ctx.arch.layers),
      weights: global.weights,
      batches: ctx.batches(plan.client, round),
      local: ctx.local,
      seed: ctx.seed,
      ...(optimizer ? { optimizer } : {}),
    };
  },
  clientWork(config, _params, arch) {
    const names = fedcybgdBlockParams(arch, config.layer);
    const r = trainSteps({
      arch,
      weights: config.weights,
      trainable: names,
      batches: config.batches,
      lr: config.local.lr,
      optimizer: config.local.optimizer,
      clipNorm: config.local.clipNorm,
      seed: config.seed,
      ...(config.optimizer ? { adamState: config.optimizer } : {}),
    });
    const values: Weights = {};
    for (const n of names) values[n] = r.weights[n]!;
    const update: FedCyBGDUpdate = { layer: config.layer, values, ...(r.adamState ? { optimizer: r.adamState } : {}) };
    return { client: config.client, update, uploadBytes: arrayBytes(Object.values(values)), trainLoss: mean(r.losses) };
  },
  aggregate(global, _round, updates) {
    const avg = new SenderAverage();
    for (const { weight, update } of updates) {
      for (const [name, v] of Object.entries(update.update.values)) avg.add(name, v.length, v, weight);
    }
    const weights: Weights = { ...global.weights };
    for (const name of avg.names()) weights[name] = avg.apply(name, global.weights[name]!);
    const optimizer = updates[updates.length - 1]?.update.update.optimizer;
    return { ...global, weights, state: optimizer ? { optimizer } : {} };
  },
};

export const fedcybgd: Method<FedCyBGDParams> = {
  id: 'fedcybgd',
  title: 'FedCyBGD: cycle block gradient descent, clients in sequence (Wang et al. 2024)',
  paramsSchema: fedcybgdParams,
  formula: 'block j = client mod L; clients in sequence; up = P_layer·B_wire; down = ceil(part·changed blocks)·P_layer·B_wire; optimizer state for block j only',
  schedule: 'sequential',
  load({ arch, work, round, client, clients, history }, params) {
    const j = fedcybgdBlock(client, arch.layers);
    const block = layerParams(arch);
    const cost = trainingCost(arch, work, {
      trainedBaseParams: block,
      trainedBaseMatmulParams: layerMatmulParams(arch),
      backpropFromLayer: j,
    });
    const changed = fedcybgdChangedBlocks(client, arch.layers, history ?? defaultHistory(round, Math.max(clients, client + 1)));
    return {
      flops: cost.flops,
      memoryBytes: cost.memoryBytes,
      uploadBytes: block * wireBytes(work),
      downloadBytes: Math.ceil(params.downloadCompression * changed) * block * wireBytes(work),
      trainedParams: block,
      memoryTrafficBytes: cost.memoryTrafficBytes,
    };
  },
  training: fedcybgdTraining,
};
